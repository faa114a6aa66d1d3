package schema

// Kind says how the pipelines normalize a field and how it is stored.
type Kind string

// Field kinds. Each names the normalizer in normalize and the
// ClickHouse column type it loads into.
const (
	KindIDNumber   Kind = "id_number"   // GB 11643-1999, 18 chars; String
	KindName       Kind = "name"        // person name; String
	KindText       Kind = "text"        // free text, width-folded; String
	KindDate       Kind = "date"        // calendar date; String "2006-01-02" ("" = unknown; 18.16 Date starts at 1970)
	KindDateTime   Kind = "datetime"    // instant, UTC; DateTime (epoch 0 = unknown)
	KindMonth      Kind = "month"       // calendar month "2006-01"; Date of the 1st
	KindFen        Kind = "fen"         // money in fen (1/100 yuan); Int64
	KindInt        Kind = "int"         // small integer; Int32
	KindBool       Kind = "bool"        // yes/no (1/0, 是/否, true/false, Y/N); UInt8
	KindCode       Kind = "code"        // national code table value (Field.CodeTable); String
	KindEnum       Kind = "enum"        // one of Field.Values (English words); String
	KindDivision   Kind = "division"    // GB/T 2260 division code, 6/9/12 digits; String
	KindCreditCode Kind = "credit_code" // GB 32100-2015 unified social credit code; String
	KindPhone      Kind = "phone"       // phone number; String
)

// Code tables named by Field.CodeTable (the real tables are in
// normalize/codetables, copied from the project's reference data).
const (
	CodeTableSex       = "gb2261_1_sex"                // GB/T 2261.1-2003
	CodeTableEthnicity = "gb3304_ethnicity"            // GB 3304-1991
	CodeTableRelation  = "gbt4761_family_relationship" // GB/T 4761-2008
)

// Field is one canonical field of a dataset. The field name is also the
// ClickHouse column name and the key in Envelope.Fields.
type Field struct {
	Name      string
	Kind      Kind
	Required  bool     // a record without it is rejected to the DLQ
	CodeTable string   // for KindCode
	Values    []string // for KindEnum
	Sensitive bool     // masked for the counter role (ID numbers, names, phones, addresses)
	// MayBeNegative allows a negative KindFen value (a balance, a
	// correction). No field has it today: incomes, pensions, contribution
	// bases, deposits and asset values are never negative, and a negative
	// one is rejected to the DLQ.
	MayBeNegative bool
}

// Dataset is one canonical dataset of the resident profile, stored in the
// ClickHouse table of the same name. Every table also has the bookkeeping
// columns in BookkeepingColumns.
type Dataset struct {
	Name   string
	Fields []Field
	// SubjectField names the field that links a record to a person
	// (id_number for all but hotline_ticket, where it is optional).
	SubjectField string
}

// BookkeepingColumns are present in every dataset table, after the fields:
// source String, record_key String, deleted UInt8, source_time DateTime,
// ingest_time DateTime (both UTC), pipeline_version String.
var BookkeepingColumns = []string{"source", "record_key", "deleted", "source_time", "ingest_time", "pipeline_version"}

// Field returns the named field and whether it exists.
func (d Dataset) Field(name string) (Field, bool) {
	for _, f := range d.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// SubjectIndex is the position in Fields of the subject field (id_number),
// -1 for a dataset without one.
func (d Dataset) SubjectIndex() int {
	for i, f := range d.Fields {
		if f.Name == d.SubjectField {
			return i
		}
	}
	return -1
}

// ColumnNames lists the table's columns in insert order: fields, then bookkeeping.
func (d Dataset) ColumnNames() []string {
	out := make([]string, 0, len(d.Fields)+len(BookkeepingColumns))
	for _, f := range d.Fields {
		out = append(out, f.Name)
	}
	return append(out, BookkeepingColumns...)
}

var idNumber = Field{Name: "id_number", Kind: KindIDNumber, Required: true, Sensitive: true}

// Datasets are the canonical datasets by name (the README lists them with their sources).
var Datasets = map[string]Dataset{
	"person": {Name: "person", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "name", Kind: KindName, Required: true, Sensitive: true},
		{Name: "sex", Kind: KindCode, CodeTable: CodeTableSex},
		{Name: "birth_date", Kind: KindDate},
		{Name: "ethnicity", Kind: KindCode, CodeTable: CodeTableEthnicity},
		{Name: "household_id", Kind: KindText, Required: true},
		{Name: "relation_to_head", Kind: KindCode, CodeTable: CodeTableRelation},
		{Name: "hukou_division", Kind: KindDivision},
		{Name: "hukou_address", Kind: KindText, Sensitive: true},
		{Name: "status", Kind: KindEnum, Values: []string{"normal", "deceased", "moved_out"}},
		{Name: "phone", Kind: KindPhone, Sensitive: true},
	}},
	"residence": {Name: "residence", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "address", Kind: KindText, Required: true, Sensitive: true},
		{Name: "community_code", Kind: KindDivision},
		{Name: "since", Kind: KindDate},
		{Name: "evidence_kind", Kind: KindEnum, Values: []string{"access_control", "rental_registration", "property", "other"}},
	}},
	"social_insurance": {Name: "social_insurance", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "insurance_type", Kind: KindEnum, Required: true, Values: []string{"pension", "medical", "unemployment", "work_injury", "maternity"}},
		{Name: "status", Kind: KindEnum, Values: []string{"active", "suspended", "terminated", "receiving"}},
		{Name: "employer_credit_code", Kind: KindCreditCode},
		{Name: "contribution_base_fen", Kind: KindFen},
		{Name: "monthly_pension_fen", Kind: KindFen},
		{Name: "period_start", Kind: KindDate},
		{Name: "period_end", Kind: KindDate},
	}},
	"employment": {Name: "employment", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "employer_credit_code", Kind: KindCreditCode},
		{Name: "employer_name", Kind: KindText},
		{Name: "period", Kind: KindMonth, Required: true},
		{Name: "gross_income_fen", Kind: KindFen, Required: true},
		{Name: "income_kind", Kind: KindEnum, Values: []string{"wage", "other"}},
	}},
	"health": {Name: "health", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "health_code_colour", Kind: KindEnum, Values: []string{"green", "yellow", "red"}},
		{Name: "health_code_time", Kind: KindDateTime},
		{Name: "disability_category", Kind: KindEnum, Values: []string{"visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"}},
		{Name: "disability_grade", Kind: KindInt},
		{Name: "major_illness", Kind: KindBool},
	}},
	"asset": {Name: "asset", SubjectField: "id_number", Fields: []Field{
		idNumber,
		{Name: "asset_kind", Kind: KindEnum, Required: true, Values: []string{"real_estate", "vehicle", "deposit", "other"}},
		{Name: "value_fen", Kind: KindFen},
		{Name: "registered_at", Kind: KindDate},
	}},
	"hotline_ticket": {Name: "hotline_ticket", SubjectField: "id_number", Fields: []Field{
		{Name: "ticket_id", Kind: KindText, Required: true},
		{Name: "id_number", Kind: KindIDNumber, Sensitive: true},
		{Name: "time", Kind: KindDateTime, Required: true},
		{Name: "community_code", Kind: KindDivision},
		// area is the district/street/community as the feed names it, for
		// feeds without GB/T 2260 codes; address the caller's address.
		{Name: "area", Kind: KindText},
		{Name: "address", Kind: KindText, Sensitive: true},
		{Name: "category", Kind: KindText},
		{Name: "summary", Kind: KindText, Sensitive: true},
		{Name: "status", Kind: KindEnum, Values: []string{"open", "in_progress", "closed"}},
		// The fields the hotline ranking reads (migration 0090): the line
		// the resident used, when the ticket was closed, the resident's
		// rating, the hotline's case (工单合并) id, and the caller — personal
		// data kept like a phone number: masked for the counter role,
		// pseudonymized for analysts, never in an answer.
		{Name: "channel", Kind: KindEnum, Values: []string{"12345", "12333", "wechat", "suggestion_box", "walk_in", "other"}},
		{Name: "closed_time", Kind: KindDateTime},
		{Name: "satisfaction", Kind: KindEnum, Values: []string{"satisfied", "basically_satisfied", "dissatisfied"}},
		{Name: "case_id", Kind: KindText},
		{Name: "caller", Kind: KindPhone, Sensitive: true},
	}},
}

// ProfileDataset is a dataset of the resident profile and the key its
// records are listed under: in a profile's JSON and in the rules' member map
// (eligibility). Person is one record (the current one), the others lists.
type ProfileDataset struct {
	Name string // dataset name (Datasets)
	Key  string // "person", "residences", "assets", ...
}

// ProfileDatasets are the datasets a resident profile carries, in read
// order (person first). The profile read model, the rules' input and the
// API's profile view are derived from these definitions (package facts);
// a new field of one of them is a line in Datasets plus a migration.
var ProfileDatasets = []ProfileDataset{
	{Name: "person", Key: "person"},
	{Name: "residence", Key: "residences"},
	{Name: "social_insurance", Key: "social_insurance"},
	{Name: "employment", Key: "employment"},
	{Name: "health", Key: "health"},
	{Name: "asset", Key: "assets"},
}

package schema

// The data dictionary: what each dataset and field means, where it comes
// from and what becomes of it in the analysts' database. docs/analytics.md is
// generated from this table and the dataset definitions (package analytics);
// a test fails when a field of Datasets has no entry here.

// Deidentification says how a profile field appears in the analytics
// database.
type Deidentification string

// How fields reach the analytics database (migrations 0030, 005x and 0080).
const (
	// DeidCopied: the value as stored in the profile table.
	DeidCopied Deidentification = "copied"
	// DeidPseudonym: replaced by hex(HMAC-SHA-256(pseudonym_salt, value))
	// (RFC 2104), 64 upper-case hex digits ('' stays ''); the same value
	// gives the same key in every table, so keys join, but the salt is never
	// readable there. Before migration 0080 the keys were MD5(salt || value);
	// 0080 recomputed them all (keys saved outside ClickHouse before it no
	// longer match).
	DeidPseudonym Deidentification = "pseudonym"
	// DeidYearOnly: a calendar date cut to its year (UInt16, 0 = unknown).
	DeidYearOnly Deidentification = "year only"
	// DeidDropped: not copied into the analytics database at all.
	DeidDropped Deidentification = "dropped"
)

// FieldDoc documents one field of a dataset, or one bookkeeping column.
type FieldDoc struct {
	// Description says what the value means, in one or two sentences.
	Description string
	// Unit overrides the unit derived from the field's Kind (fen, code
	// table, ...); empty = derived.
	Unit string
	// Analytics says how the field reaches the analytics database.
	Analytics Deidentification
	// Column is the analytics column name when it is not the field name
	// (person_key for id_number, birth_year for birth_date).
	Column string
	// LocalDate, for a DateTime field, names the Date column the analytics
	// views put beside it: the calendar date in China Standard Time
	// (Asia/Shanghai), the one to group by.
	LocalDate string
}

// AnalyticsColumn returns the column name the field has in the analytics
// database ("" when dropped).
func (d FieldDoc) AnalyticsColumn(field string) string {
	switch {
	case d.Analytics == DeidDropped:
		return ""
	case d.Column != "":
		return d.Column
	}
	return field
}

// DatasetDoc documents one dataset: what a record is and which department
// delivers it.
type DatasetDoc struct {
	Name        string
	Description string
	Department  string
	Fields      map[string]FieldDoc
}

// DictionaryDoc returns the entry of a dataset and whether there is one.
func DictionaryDoc(dataset string) (DatasetDoc, bool) {
	for _, d := range Dictionary {
		if d.Name == dataset {
			return d, true
		}
	}
	return DatasetDoc{}, false
}

var personKeyDoc = FieldDoc{
	Description: "The person: the citizen identity number (GB 11643-1999), replaced by its pseudonym person_key; " +
		"the same person has the same person_key in every table.",
	Analytics: DeidPseudonym, Column: "person_key",
}

// BookkeepingDictionary documents BookkeepingColumns (every dataset table has them).
var BookkeepingDictionary = map[string]FieldDoc{
	"source":      {Description: "The configured source (department feed) the record came from, e.g. hukou, payroll.", Analytics: DeidCopied},
	"record_key":  {Description: "The source's own key of the record (its key columns joined by |, often holding an ID number); one source record has many versions.", Analytics: DeidPseudonym, Column: "record_key_hash"},
	"deleted":     {Description: "1 when this version deletes the record (the department deleted it, or it moved to another person).", Unit: "1 = deleted, 0 = not", Analytics: DeidCopied},
	"source_time": {Description: "When the department changed the record (its own timestamp column; 1970-01-01 when it gives none).", Analytics: DeidCopied, LocalDate: "source_date"},
	"ingest_time": {Description: "When the hub loaded this version.", Analytics: DeidCopied},
	"pipeline_version": {Description: "Version of the hub's pipelines that normalized the record.",
		Analytics: DeidDropped},
}

// Dictionary documents every dataset of Datasets, in the order the data
// dictionary lists them.
var Dictionary = []DatasetDoc{
	{Name: "person", Department: "Public security bureau, household registration (公安户籍)",
		Description: "One person's household registration (户籍): who they are, which household (户) they belong to and their status.",
		Fields: map[string]FieldDoc{
			"id_number":        personKeyDoc,
			"name":             {Description: "Full name.", Analytics: DeidDropped},
			"sex":              {Description: "Sex.", Analytics: DeidCopied},
			"birth_date":       {Description: "Date of birth; in the analytics database only its year.", Analytics: DeidYearOnly, Column: "birth_year"},
			"ethnicity":        {Description: "Ethnic group (民族).", Analytics: DeidCopied},
			"household_id":     {Description: "The household number (户号) of the registration; replaced by its pseudonym household_key. Members of one household share it.", Analytics: DeidPseudonym, Column: "household_key"},
			"relation_to_head": {Description: "Relation to the head of the household (02 = the head).", Analytics: DeidCopied},
			"hukou_division":   {Description: "Division of the household registration (户籍地); starts with 11 for Beijing.", Analytics: DeidCopied},
			"hukou_address":    {Description: "Address of the household registration.", Analytics: DeidDropped},
			"status":           {Description: "Registration status: normal, deceased (死亡) or moved out (迁出). Only normal members count for a household.", Analytics: DeidCopied},
			"phone":            {Description: "Contact phone number.", Analytics: DeidDropped},
		}},
	{Name: "residence", Department: "Street offices and communities: access-control enrolment and rental registration (门禁/出租登记)",
		Description: "Where a person actually lives, and the evidence for it.",
		Fields: map[string]FieldDoc{
			"id_number":      personKeyDoc,
			"address":        {Description: "Actual address.", Analytics: DeidDropped},
			"community_code": {Description: "The community (社区, 12-digit division code) of the address; its first 9 digits are the street (街道).", Analytics: DeidCopied},
			"since":          {Description: "Living there since.", Analytics: DeidCopied},
			"evidence_kind":  {Description: "What registered the residence.", Analytics: DeidCopied},
		}},
	{Name: "social_insurance", Department: "Human resources and social security bureau (人力资源和社会保障局)",
		Description: "One social insurance record of a person: one per insurance type, with its status and amounts.",
		Fields: map[string]FieldDoc{
			"id_number":             personKeyDoc,
			"insurance_type":        {Description: "Insurance type.", Analytics: DeidCopied},
			"status":                {Description: "Status: active (paying in), suspended, terminated, or receiving (benefits paid out, e.g. a pension).", Analytics: DeidCopied},
			"employer_credit_code":  {Description: "The employer paying in ('' = none, e.g. flexible employment).", Analytics: DeidCopied},
			"contribution_base_fen": {Description: "Monthly contribution base.", Analytics: DeidCopied},
			"monthly_pension_fen":   {Description: "Monthly pension paid out (pension rows with status receiving).", Analytics: DeidCopied},
			"period_start":          {Description: "Insured since.", Analytics: DeidCopied},
			"period_end":            {Description: "Insured until ('' = open).", Analytics: DeidCopied},
		}},
	{Name: "employment", Department: "Employers' payroll, via the tax and HR systems (企业工资)",
		Description: "One month's income of a person from one payer.",
		Fields: map[string]FieldDoc{
			"id_number":            personKeyDoc,
			"employer_credit_code": {Description: "The paying employer ('' = not an employer, e.g. other income).", Analytics: DeidCopied},
			"employer_name":        {Description: "Name of the paying employer (an organisation, not a person).", Analytics: DeidCopied},
			"period":               {Description: "The month the income is for (所属期).", Analytics: DeidCopied},
			"gross_income_fen":     {Description: "Gross income of the month (应发).", Analytics: DeidCopied},
			"income_kind":          {Description: "Wage (工资薪金) or other income (劳务报酬 and the like).", Analytics: DeidCopied},
		}},
	{Name: "health", Department: "Health commission (卫生健康委员会) and disabled persons' federation",
		Description: "A person's health record: disability and major illness (the health code is not copied to analytics).",
		Fields: map[string]FieldDoc{
			"id_number":           personKeyDoc,
			"health_code_colour":  {Description: "Health-code colour.", Analytics: DeidDropped},
			"health_code_time":    {Description: "When the health code was issued.", Analytics: DeidDropped},
			"disability_category": {Description: "Disability category (GB/T 26341-2010; '' = none).", Analytics: DeidCopied},
			"disability_grade":    {Description: "Disability grade (GB/T 26341-2010).", Unit: "1 (most severe) .. 4; 0 = no disability", Analytics: DeidCopied},
			"major_illness":       {Description: "Has a major illness (重大疾病).", Analytics: DeidCopied},
		}},
	{Name: "asset", Department: "Real-estate registry (不动产登记), vehicle administration (车管所) and bank deposit checks",
		Description: "One asset a person holds.",
		Fields: map[string]FieldDoc{
			"id_number":     personKeyDoc,
			"asset_kind":    {Description: "Kind of asset.", Analytics: DeidCopied},
			"value_fen":     {Description: "Assessed value (deposits: the balance).", Analytics: DeidCopied},
			"registered_at": {Description: "Registered on.", Analytics: DeidCopied},
		}},
	{Name: "hotline_ticket", Department: "12345 citizen hotline (12345 市民热线)",
		Description: "One ticket filed with the citizen hotline.",
		Fields: map[string]FieldDoc{
			"ticket_id":      {Description: "The hotline's ticket number.", Analytics: DeidCopied},
			"id_number":      {Description: "The caller, if known ('' = anonymous), as the pseudonym person_key.", Analytics: DeidPseudonym, Column: "person_key"},
			"time":           {Description: "When the ticket was filed.", Analytics: DeidCopied, LocalDate: "ticket_date"},
			"community_code": {Description: "Community the ticket concerns (12-digit division code).", Analytics: DeidCopied},
			"area":           {Description: "District, street or community the ticket concerns, as the hotline names it (free text; for feeds without division codes).", Analytics: DeidDropped},
			"address":        {Description: "The address the ticket concerns, as given by the caller.", Analytics: DeidDropped},
			"category":       {Description: "The hotline's category (诉求类别), free text of the hotline's own list.", Analytics: DeidCopied},
			"summary":        {Description: "What the caller said.", Analytics: DeidDropped},
			"status":         {Description: "Ticket status.", Analytics: DeidCopied},
			"channel":        {Description: "The line the resident used: 12345, 12333, WeChat, the suggestion box or a walk-in visit.", Analytics: DeidCopied},
			"closed_time":    {Description: "When the ticket was closed (办结); 1970-01-01 when open or unknown.", Analytics: DeidCopied, LocalDate: "closed_date"},
			"satisfaction":   {Description: "The resident's rating of the answer, where the hotline asked ('' = not given).", Analytics: DeidCopied},
			"case_id":        {Description: "The hotline's case (工单合并) id: tickets about one case share it ('' = none).", Analytics: DeidCopied},
			"caller":         {Description: "The caller's phone number (or ID number), as the pseudonym caller_key: calls by one caller share it, so repeated calls about a case are counted once.", Analytics: DeidPseudonym, Column: "caller_key"},
		}},
}

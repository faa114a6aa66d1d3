// Package analytics describes the analysts' database: every table and view
// of it with every column's meaning, unit, origin and de-identification (the
// data dictionary), derived from the dataset definitions and the dictionary
// in package schema. Markdown renders it as docs/analytics.md; tests check
// it against the database the migrations build, so neither can drift.
package analytics

import (
	"fmt"
	"sort"
	"strings"

	"github.com/residenthub/residenthub/schema"
)

// Table is one table or view of the analytics database.
type Table struct {
	Name string
	// Engine is "View" or the table engine, as system.tables names it.
	Engine      string
	Description string
	// Dataset names the canonical dataset the table derives from ("" for the
	// bookkeeping and helper tables).
	Dataset string
	Columns []Column
}

// Column is one column of an analytics table, in table order.
type Column struct {
	Name string
	// Type is the ClickHouse type as DESCRIBE TABLE prints it.
	Type        string
	Description string
	Unit        string
	// Origin says where the value comes from: dataset.field and the
	// department, or how it is computed.
	Origin string
	// Deidentification is what was done to the profile value (copied,
	// pseudonym, year only) or "derived" for computed columns.
	Deidentification string
	// Expr is the SQL computing a dataset view's derived column from the
	// columns of its _history table ("" = the column itself).
	Expr string
}

// Derived marks columns computed in the analytics database rather than
// copied from a profile field.
const Derived = "derived"

// Column returns the named column and whether the table has it.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Lookup returns the catalog's table of that name and whether it exists.
func Lookup(name string) (Table, bool) {
	for _, t := range Catalog() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Catalog returns every table and view of the analytics database: per
// dataset (schema.Dictionary order) its current view <dataset> and its
// version table <dataset>_history, then the bookkeeping and helper tables.
func Catalog() []Table {
	var out []Table
	for _, doc := range schema.Dictionary {
		ds := schema.Datasets[doc.Name]
		out = append(out, datasetView(ds, doc), datasetHistory(ds, doc))
	}
	return append(out, extraTables()...)
}

// viewBookkeeping are the bookkeeping columns a dataset's current view
// shows (deleted rows are left out, ingest times are in the history).
var viewBookkeeping = []string{"source", "record_key", "source_time"}

func datasetView(ds schema.Dataset, doc schema.DatasetDoc) Table {
	t := Table{Name: ds.Name, Engine: "View", Dataset: ds.Name,
		Description: doc.Description + " The current records: per source record its latest version (by source_time), deletes left out."}
	t.Columns = fieldColumns(ds, doc, true)
	for _, c := range viewBookkeeping {
		t.Columns = append(t.Columns, bookkeepingColumns(ds, c, true)...)
	}
	return t
}

func datasetHistory(ds schema.Dataset, doc schema.DatasetDoc) Table {
	t := Table{Name: ds.Name + "_history", Engine: "ReplacingMergeTree", Dataset: ds.Name,
		Description: "Every version of every " + ds.Name + " record (for as-of questions: the latest version with source_time before the day; " +
			"read with FINAL or dedupe by (source, record_key_hash, source_time)). Filled as the hub loads; group by toDate(source_time, 'Asia/Shanghai')."}
	t.Columns = fieldColumns(ds, doc, false)
	for _, c := range schema.BookkeepingColumns {
		t.Columns = append(t.Columns, bookkeepingColumns(ds, c, false)...)
	}
	return t
}

// fieldColumns lists the analytics columns of the dataset's fields, in field
// order except that the pseudonymised keys stand together where the first
// one stands (person: person_key, household_key), with the China-time date
// beside each instant when view is set.
func fieldColumns(ds schema.Dataset, doc schema.DatasetDoc, view bool) []Column {
	fields := make([]schema.Field, 0, len(ds.Fields))
	var rest []schema.Field
	seenKey := false
	for _, f := range ds.Fields {
		key := doc.Fields[f.Name].Analytics == schema.DeidPseudonym
		seenKey = seenKey || key
		if key || !seenKey {
			fields = append(fields, f)
			continue
		}
		rest = append(rest, f)
	}
	var out []Column
	for _, f := range append(fields, rest...) {
		d := doc.Fields[f.Name]
		name := d.AnalyticsColumn(f.Name)
		if name == "" {
			continue
		}
		c := Column{Name: name, Type: columnType(f, d), Description: d.Description, Unit: unit(f, d),
			Origin: ds.Name + "." + f.Name + " — " + doc.Department, Deidentification: string(d.Analytics)}
		out = append(out, c)
		if view && d.LocalDate != "" {
			out = append(out, localDate(d.LocalDate, name))
		}
	}
	return out
}

func bookkeepingColumns(ds schema.Dataset, name string, view bool) []Column {
	d := schema.BookkeepingDictionary[name]
	col := d.AnalyticsColumn(name)
	if col == "" {
		return nil
	}
	f := schema.Field{Name: name, Kind: schema.KindText}
	switch name {
	case "deleted":
		f.Kind = schema.KindBool
	case "source_time", "ingest_time":
		f.Kind = schema.KindDateTime
	}
	out := []Column{{Name: col, Type: columnType(f, d), Description: d.Description, Unit: unit(f, d),
		Origin: "hub bookkeeping of " + ds.Name, Deidentification: string(d.Analytics)}}
	if view && d.LocalDate != "" {
		out = append(out, localDate(d.LocalDate, col))
	}
	return out
}

// localDate is the Date column beside an instant: its calendar day in China
// Standard Time.
func localDate(name, of string) Column {
	return Column{Name: name, Type: "Date", Description: "The day of " + of + " in China Standard Time: group and filter by this, not by toDate(" + of + "), which is the UTC day.",
		Unit: "date, Asia/Shanghai (UTC+8)", Origin: "toDate(" + of + ", 'Asia/Shanghai')", Deidentification: Derived,
		Expr: "toDate(" + of + ", 'Asia/Shanghai')"}
}

// columnType is the ClickHouse type of a field in the analytics database.
func columnType(f schema.Field, d schema.FieldDoc) string {
	switch {
	case d.Analytics == schema.DeidYearOnly:
		return "UInt16"
	case d.Analytics == schema.DeidPseudonym:
		return "String"
	}
	switch f.Kind {
	case schema.KindDateTime:
		return "DateTime"
	case schema.KindMonth:
		return "Date"
	case schema.KindFen:
		return "Int64"
	case schema.KindInt:
		return "Int32"
	case schema.KindBool:
		return "UInt8"
	}
	return "String"
}

// codeStandards names the standard behind each code table.
var codeStandards = map[string]string{
	schema.CodeTableSex:       "GB/T 2261.1-2003 code (1 male, 2 female, 0 unknown, 9 unstated)",
	schema.CodeTableEthnicity: "GB 3304-1991 code (01 Han, ...)",
	schema.CodeTableRelation:  "GB/T 4761-2008 code",
}

// unit is the unit or format of a field's analytics column, derived from its
// kind unless the dictionary says otherwise.
func unit(f schema.Field, d schema.FieldDoc) string {
	switch {
	case d.Unit != "":
		return d.Unit
	case d.Analytics == schema.DeidPseudonym:
		return "64 hex digits ('' = none)"
	case d.Analytics == schema.DeidYearOnly:
		return "year (0 = unknown)"
	}
	switch f.Kind {
	case schema.KindDate:
		return "calendar date YYYY-MM-DD as text ('' = unknown)"
	case schema.KindDateTime:
		return "instant, UTC (1970-01-01 00:00:00 = unknown)"
	case schema.KindMonth:
		return "month, as the Date of its first day"
	case schema.KindFen:
		return "fen (1/100 yuan)"
	case schema.KindBool:
		return "1 = yes, 0 = no"
	case schema.KindCode:
		if s, ok := codeStandards[f.CodeTable]; ok {
			return s
		}
		return "code of table " + f.CodeTable
	case schema.KindEnum:
		return "one of " + strings.Join(f.Values, ", ") + " ('' = unknown)"
	case schema.KindDivision:
		return "GB/T 2260 division code (6, 9 or 12 digits)"
	case schema.KindCreditCode:
		return "GB 32100-2015 unified social credit code"
	}
	return ""
}

// Check compares the catalog with the tables a database really has (name →
// engine → "name Type" columns in order) and returns one line per
// difference, sorted; none means they agree.
func Check(actual map[string]ActualTable) []string {
	var out []string
	want := map[string]bool{}
	for _, t := range Catalog() {
		want[t.Name] = true
		a, ok := actual[t.Name]
		if !ok {
			out = append(out, fmt.Sprintf("%s: documented but not in the database", t.Name))
			continue
		}
		if a.Engine != t.Engine {
			out = append(out, fmt.Sprintf("%s: engine %s, documented %s", t.Name, a.Engine, t.Engine))
		}
		var doc []string
		for _, c := range t.Columns {
			doc = append(doc, c.Name+" "+c.Type)
		}
		if strings.Join(doc, ", ") != strings.Join(a.Columns, ", ") {
			out = append(out, fmt.Sprintf("%s: columns\n  in the database: %s\n  documented:      %s", t.Name, strings.Join(a.Columns, ", "), strings.Join(doc, ", ")))
		}
	}
	for name := range actual {
		if !want[name] {
			out = append(out, fmt.Sprintf("%s: in the database but not documented (analytics catalog)", name))
		}
	}
	sort.Strings(out)
	return out
}

// ActualTable is a table as the database describes it: its engine and its
// columns as "name Type", in order.
type ActualTable struct {
	Engine  string
	Columns []string
}

package schema

import "testing"

// TestDictionaryCoversEveryField: every dataset and every field (and every
// bookkeeping column) has a dictionary entry with a description and a
// de-identification, and the dictionary names nothing that does not exist.
func TestDictionaryCoversEveryField(t *testing.T) {
	known := map[Deidentification]bool{DeidCopied: true, DeidPseudonym: true, DeidYearOnly: true, DeidDropped: true}
	check := func(where string, f Field, d FieldDoc) {
		t.Helper()
		if d.Description == "" || !known[d.Analytics] {
			t.Errorf("%s: entry %+v lacks a description or a known de-identification", where, d)
		}
		if (d.Analytics == DeidPseudonym || d.Analytics == DeidYearOnly) && d.Column == "" {
			t.Errorf("%s: a %s field needs its analytics column name", where, d.Analytics)
		}
		if d.Analytics == DeidYearOnly && f.Kind != KindDate {
			t.Errorf("%s: year only applies to calendar dates, not %s", where, f.Kind)
		}
		if d.LocalDate != "" && f.Kind != KindDateTime {
			t.Errorf("%s: a local date applies to instants, not %s", where, f.Kind)
		}
		if f.Kind == KindDateTime && d.Analytics != DeidDropped && d.LocalDate == "" {
			t.Errorf("%s: an instant in the analytics views needs its China-time date column (LocalDate)", where)
		}
		if f.Sensitive && d.Analytics == DeidCopied {
			t.Errorf("%s: a sensitive field cannot be copied into the analytics database", where)
		}
	}
	seen := map[string]bool{}
	for _, doc := range Dictionary {
		ds, ok := Datasets[doc.Name]
		if !ok {
			t.Errorf("dictionary documents %s, which is not a dataset", doc.Name)
			continue
		}
		if seen[doc.Name] {
			t.Errorf("dictionary documents %s twice", doc.Name)
		}
		seen[doc.Name] = true
		if doc.Description == "" || doc.Department == "" {
			t.Errorf("%s: dataset entry needs a description and a department", doc.Name)
		}
		for _, f := range ds.Fields {
			d, ok := doc.Fields[f.Name]
			if !ok {
				t.Errorf("%s.%s has no dictionary entry (schema/dictionary.go)", doc.Name, f.Name)
				continue
			}
			check(doc.Name+"."+f.Name, f, d)
		}
		for name := range doc.Fields {
			if _, ok := ds.Field(name); !ok {
				t.Errorf("dictionary documents %s.%s, which is not a field", doc.Name, name)
			}
		}
	}
	for name := range Datasets {
		if !seen[name] {
			t.Errorf("dataset %s has no dictionary entry (schema/dictionary.go)", name)
		}
	}
	kinds := map[string]Kind{"source": KindText, "record_key": KindText, "deleted": KindBool, "source_time": KindDateTime, "ingest_time": KindDateTime, "pipeline_version": KindText}
	for _, c := range BookkeepingColumns {
		d, ok := BookkeepingDictionary[c]
		if !ok {
			t.Errorf("bookkeeping column %s has no dictionary entry", c)
			continue
		}
		f := Field{Name: c, Kind: kinds[c]}
		if c == "ingest_time" {
			continue // not in the views, so no local date beside it
		}
		check(c, f, d)
	}
	if len(BookkeepingDictionary) != len(BookkeepingColumns) {
		t.Errorf("bookkeeping dictionary has %d entries for %d columns", len(BookkeepingDictionary), len(BookkeepingColumns))
	}
}

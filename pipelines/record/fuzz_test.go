package record

import (
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// FuzzKinds puts one arbitrary value into one field of every kind (through
// Normalize, so every normalizer of normalize is reached with the
// record-level checks around it) and checks the invariants: no panic, a
// result of the kind's Go type and storable range, or a Reject naming the
// field with a reason.
func FuzzKinds(f *testing.F) {
	for _, s := range []string{"", " ", "1", "是", "2026-10", "202610", "2026年10月", "1980-01-01", "1949-10-01",
		"2026-11-01T10:00:00+08:00", "1,234.50", "1.2万", "110105", "110105001001", "91110000600037341L",
		"13812345678", "男", "汉族", "户主", "normal", "正常", "\xff\xfe", "9999-12-31 23:59:59", "-2147483649", id1} {
		f.Add(s)
	}
	cases := []struct{ dataset, field string }{
		{"person", "id_number"}, {"person", "name"}, {"person", "sex"}, {"person", "birth_date"},
		{"person", "ethnicity"}, {"person", "household_id"}, {"person", "relation_to_head"},
		{"person", "hukou_division"}, {"person", "status"}, {"person", "phone"},
		{"health", "health_code_time"}, {"health", "disability_grade"}, {"health", "major_illness"},
		{"employment", "period"}, {"employment", "gross_income_fen"}, {"employment", "employer_credit_code"},
	}
	base := map[string]map[string]string{
		"person":     {"id_number": id1, "name": "张三", "household_id": "H1"},
		"health":     {"id_number": id1},
		"employment": {"id_number": id1, "period": "2026-10", "gross_income_fen": "1"},
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range cases {
			fields := map[string]string{}
			for k, v := range base[c.dataset] {
				fields[k] = v
			}
			fields[c.field] = s
			src := &config.Source{Name: "s", Dataset: c.dataset, CodeMappings: map[string]map[string]string{c.field: {s: s}}}
			env := &schema.Envelope{Source: "s", Dataset: c.dataset, RecordKey: "k", Op: schema.OpUpsert, Fields: fields}
			row, warnings, err := Normalize(env, src, ingest)
			if err != nil {
				r, ok := err.(*Reject)
				if !ok || r.Field != c.field || r.Reason == "" {
					t.Fatalf("%s.%s(%q): err = %#v", c.dataset, c.field, s, err)
				}
				continue
			}
			ds := schema.Datasets[c.dataset]
			for i, fl := range ds.Fields {
				v := row.Values[i]
				if reflect.TypeOf(v) != GoType(fl.Kind) {
					t.Fatalf("%s.%s(%q): %s has type %T", c.dataset, c.field, s, fl.Name, v)
				}
				switch v := v.(type) {
				case string:
					if !utf8.ValidString(v) {
						t.Fatalf("%s.%s(%q): invalid UTF-8 %q", c.dataset, c.field, s, v)
					}
				case time.Time:
					if v.Before(minStoredTime) || v.After(maxDateTime) || v.Location() != time.UTC {
						t.Fatalf("%s.%s(%q): time %v not storable", c.dataset, c.field, s, v)
					}
				}
			}
			for _, w := range warnings {
				if w == "" {
					t.Fatal("empty warning")
				}
			}
		}
	})
}

// FuzzEnvelope feeds arbitrary bytes as a Kafka message value through the
// decoder and Normalize: no panic, and either a row or a reason.
func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(`{"source":"s","dataset":"person","record_key":"k","op":"upsert","fields":{"id_number":"` + id1 + `","name":"张三","household_id":"H1"}}`))
	f.Add([]byte(`{"source":"s","dataset":"person","record_key":"k","op":"delete","fields":{}}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"source":"s","dataset":"person","record_key":"110105450303102|Ｈ1","op":"delete","fields":{}}`))
	f.Add([]byte(`{"source":"s","dataset":"person","record_key":"` + id1 + `|H1","op":"upsert","fields":{"id_number":"` + id1 + `","name":"张三","household_id":"H1"}}`))
	// Keyed by ID number and household, both mapped: the canonical key is fuzzed too.
	src := &config.Source{Name: "s", Dataset: "person", Key: []string{"证件", "户号"}, Fields: map[string]string{"id_number": "证件", "household_id": "户号"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := schema.UnmarshalEnvelope(b)
		if err != nil {
			return
		}
		row, _, err := Normalize(env, src, ingest)
		if err == nil && len(row.Values) != len(schema.Datasets["person"].Fields) {
			t.Fatalf("row has %d values", len(row.Values))
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		// Normalize reuses the fields' values for the key parts: the key
		// must be CanonicalKey's.
		if err == nil {
			if key, _, kerr := CanonicalKey(env, src, ingest); kerr != nil || key != row.RecordKey {
				t.Fatalf("Normalize key %q, CanonicalKey %q (%v)", row.RecordKey, key, kerr)
			}
		}
	})
}

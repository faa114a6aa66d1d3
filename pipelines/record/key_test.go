package record

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// hrss is a social-insurance feed keyed by ID number and insurance type.
var hrss = &config.Source{Name: "hrss", Dataset: "social_insurance", Key: []string{"身份证号", "险种"},
	Fields:       map[string]string{"id_number": "身份证号", "insurance_type": "险种", "status": "状态", "monthly_pension_fen": "养老金"},
	CodeMappings: map[string]map[string]string{"insurance_type": {"01": "pension"}}}

func hrssEnv(key, id string, op schema.Operation) *schema.Envelope {
	return &schema.Envelope{Source: "hrss", Dataset: "social_insurance", RecordKey: key, Op: op,
		SourceTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Fields:     map[string]string{"id_number": id, "insurance_type": "养老", "status": "领取", "monthly_pension_fen": "600.00"}}
}

func TestCanonicalKey(t *testing.T) {
	const want = "11010519450303102X|pension"
	f := func(src *config.Source, raw, wantKey string, wantWarning bool) {
		t.Helper()
		env := &schema.Envelope{Source: src.Name, Dataset: src.Dataset, RecordKey: raw, Op: schema.OpUpsert}
		key, warning, err := CanonicalKey(env, src, ingest)
		if err != nil {
			t.Fatalf("CanonicalKey(%q): %v", raw, err)
		}
		if key != wantKey || (warning != "") != wantWarning {
			t.Fatalf("CanonicalKey(%q) = %q, warning %q; want %q, warning %v", raw, key, warning, wantKey, wantWarning)
		}
	}
	// One person's pension record, however the department spells the key.
	f(hrss, "11010519450303102x|养老", want, false)
	f(hrss, "11010519450303102X|养老保险", want, false)
	f(hrss, " 11010519450303102X |pension", want, false)
	f(hrss, "１１０１０５１９４５０３０３１０２Ｘ|养老", want, false)
	f(hrss, "110105450303102|养老", want, false) // 15-digit form
	f(hrss, "110105450303102|01", want, false) // code mapping
	// Parts count differs from the key columns: kept as sent, with a warning.
	f(hrss, "11010519450303102x", "11010519450303102x", true)
	f(hrss, "11010519450303102x|养老|x", "11010519450303102x|养老|x", true)

	// Unmapped key columns keep their raw part; mapped ones of every kind.
	payroll := &config.Source{Name: "payroll", Dataset: "employment", Key: []string{"证件号", "月份", "单位", "流水"},
		Fields: map[string]string{"id_number": "证件号", "period": "月份", "employer_credit_code": "单位"}}
	f(payroll, "110105450303102|2026年10月|91110000600037341l| a ", "11010519450303102X|2026-10|91110000600037341L| a ", false)
	f(payroll, "110105450303102|２０２６/1|91110000600037341L|a", "11010519450303102X|2026-01|91110000600037341L|a", false)
	person := &config.Source{Name: "hukou", Dataset: "person", Key: []string{"姓名", "出生日期", "户号"},
		Fields: map[string]string{"name": "姓名", "birth_date": "出生日期", "household_id": "户号"}}
	f(person, "张　三|1945/3/3|ＨＨ001 ", "张 三|1945-03-03|HH001", false) // as normalize.Name gives it
	f(person, "张三|19450303|HH001", "张三|1945-03-03|HH001", false)
	// A full-width bar that would fold into the separator: kept as sent.
	f(person, "张三|19450303|H｜1", "张三|19450303|H｜1", true)
	ticket := &config.Source{Name: "hotline", Dataset: "hotline_ticket", Key: []string{"时间", "工单"},
		Fields: map[string]string{"time": "时间", "ticket_id": "工单"}}
	f(ticket, "2026-11-01 10:00:00|T１", "2026-11-01T02:00:00Z|T1", false)
	// No key column mapped, or no key columns: the raw key, no warning.
	f(&config.Source{Name: "s", Dataset: "person", Key: []string{"id"}}, "11010519450303102x", "11010519450303102x", false)
	f(&config.Source{Name: "s", Dataset: "person"}, "a|b", "a|b", false)

	// A mapped part that cannot be normalized rejects the record.
	env := &schema.Envelope{Source: "hrss", Dataset: "social_insurance", RecordKey: "110105194503031021|养老", Op: schema.OpDelete}
	_, _, err := CanonicalKey(env, hrss, ingest)
	if r, ok := err.(*Reject); !ok || r.Field != "id_number" || !strings.HasPrefix(r.Reason, "record key part 1: ") {
		t.Fatalf("bad check character: err = %#v", err)
	}
}

func TestNormalizeCanonicalKey(t *testing.T) {
	// Two versions of one pension record, spelled differently, and a delete
	// with the 15-digit spelling: one record key, the raw ones kept.
	rows := map[string]Row{}
	for _, raw := range []string{"11010519450303102x|养老", "11010519450303102X|养老"} {
		row, _, err := Normalize(hrssEnv(raw, raw[:18], schema.OpUpsert), hrss, ingest)
		if err != nil {
			t.Fatal(err)
		}
		rows[raw] = row
	}
	del, _, err := Normalize(hrssEnv("110105450303102|养老", "", schema.OpDelete), hrss, ingest)
	if err != nil {
		t.Fatal(err)
	}
	rows["delete"] = del
	for raw, row := range rows {
		if row.RecordKey != "11010519450303102X|pension" || row.KeyWarning != "" {
			t.Fatalf("%s: record key %q, warning %q", raw, row.RecordKey, row.KeyWarning)
		}
	}
	if rows["11010519450303102x|养老"].RawKey != "11010519450303102x|养老" || del.RawKey != "110105450303102|养老" {
		t.Fatalf("raw keys not kept: %+v", rows)
	}
	// An unsplittable key is loaded under its raw spelling, with a warning.
	row, _, err := Normalize(hrssEnv("11010519450303102x", "11010519450303102x", schema.OpUpsert), hrss, ingest)
	if err != nil || row.RecordKey != "11010519450303102x" || row.KeyWarning == "" {
		t.Fatalf("row = %+v, err = %v", row, err)
	}
	// A delete whose key holds an invalid ID number is rejected.
	if _, _, err := Normalize(hrssEnv("110105194503031021|养老", "", schema.OpDelete), hrss, ingest); err == nil {
		t.Fatal("delete with an invalid ID number in its key accepted")
	}
}

// FuzzCanonicalKey: no panic; the key is valid UTF-8 when the raw key is;
// either the raw key with a warning, or as many parts as key columns with
// unmapped parts unchanged; canonicalizing a canonical key changes nothing;
// a replay (same input) gives the same key.
func FuzzCanonicalKey(f *testing.F) {
	for _, s := range []string{"11010519450303102x|养老", "110105450303102|01", "a|b", "|", "", "x|", "１１０１０５４５０３０３１０２|养老",
		"110105450303102|2026年10月|91110000600037341l| a ", "张三|1945/3/3|ＨＨ001", "H｜1|a", "\xff|\xfe"} {
		f.Add(s)
	}
	payroll := &config.Source{Name: "payroll", Dataset: "employment", Key: []string{"证件号", "月份", "单位", "流水"},
		Fields: map[string]string{"id_number": "证件号", "period": "月份", "employer_credit_code": "单位"}}
	person := &config.Source{Name: "hukou", Dataset: "person", Key: []string{"姓名", "出生日期", "户号"},
		Fields: map[string]string{"name": "姓名", "birth_date": "出生日期", "household_id": "户号"}}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, src := range []*config.Source{hrss, payroll, person} {
			env := &schema.Envelope{Source: src.Name, Dataset: src.Dataset, RecordKey: raw, Op: schema.OpUpsert}
			key, warning, err := CanonicalKey(env, src, ingest)
			if err != nil {
				if r, ok := err.(*Reject); !ok || r.Field == "" || !strings.HasPrefix(r.Reason, "record key part ") {
					t.Fatalf("%s %q: err = %#v", src.Name, raw, err)
				}
				continue
			}
			if key2, w2, err2 := CanonicalKey(env, src, ingest); key2 != key || w2 != warning || err2 != nil {
				t.Fatalf("%s %q: not deterministic", src.Name, raw)
			}
			if warning != "" {
				if key != raw {
					t.Fatalf("%s %q: warning %q but key %q", src.Name, raw, warning, key)
				}
				continue
			}
			if utf8.ValidString(raw) && !utf8.ValidString(key) {
				t.Fatalf("%s %q: invalid UTF-8 key %q", src.Name, raw, key)
			}
			parts, rawParts := strings.Split(key, "|"), strings.Split(raw, "|")
			if len(parts) != len(src.Key) || len(rawParts) != len(src.Key) {
				t.Fatalf("%s %q: key %q has %d parts, want %d", src.Name, raw, key, len(parts), len(src.Key))
			}
			for i, col := range src.Key {
				if !mappedColumn(src, col) && parts[i] != rawParts[i] {
					t.Fatalf("%s %q: unmapped part %d changed to %q", src.Name, raw, i, parts[i])
				}
			}
			env.RecordKey = key
			if again, w, err := CanonicalKey(env, src, ingest); err != nil || w != "" || again != key {
				t.Fatalf("%s %q: canonical key %q canonicalizes to %q (warning %q, err %v)", src.Name, raw, key, again, w, err)
			}
		}
	})
}

func mappedColumn(src *config.Source, col string) bool {
	for _, c := range src.Fields {
		if c == col {
			return true
		}
	}
	return false
}

package facts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/schema"
	"gopkg.in/yaml.v3"
)

// TestDefsFollowSchema: the model's datasets are schema.ProfileDatasets, in
// order, with schema's fields in schema's order.
func TestDefsFollowSchema(t *testing.T) {
	if len(Defs()) != len(schema.ProfileDatasets) || Defs()[0] != Person() || Person().Name != DatasetPerson {
		t.Fatalf("defs %d, person first: %v", len(Defs()), Defs()[0].Name)
	}
	for i, p := range schema.ProfileDatasets {
		d := Defs()[i]
		ds := schema.Datasets[p.Name]
		if d.Name != p.Name || d.Key != p.Key || len(d.Fields) != len(ds.Fields) {
			t.Fatalf("def %d = %s/%s with %d fields, schema %s/%s with %d", i, d.Name, d.Key, len(d.Fields), p.Name, p.Key, len(ds.Fields))
		}
		for j, f := range ds.Fields {
			if k, ok := d.Index(f.Name); !ok || k != j {
				t.Errorf("%s.%s at %d, want %d", d.Name, f.Name, k, j)
			}
			if f.Name == "evidence" {
				t.Errorf("%s has a field named evidence: it would clash with the record's evidence in JSON", d.Name)
			}
		}
		r := NewRecord(d)
		for j, f := range ds.Fields {
			if !ofKind(r.Values[j], f.Kind) {
				t.Errorf("zero of %s.%s is %T", d.Name, f.Name, r.Values[j])
			}
		}
	}
}

// extended is residence with two fields more, as a later schema line would
// add them: everything derived from the Def must carry them.
func extended() *Def {
	ds := schema.Datasets["residence"]
	ds.Fields = append(append([]schema.Field(nil), ds.Fields...),
		schema.Field{Name: "floor_area_m2", Kind: schema.KindInt},
		schema.Field{Name: "landlord_phone", Kind: schema.KindPhone, Sensitive: true})
	return NewDef(ds, "residences")
}

func TestRecordJSONAndYAML(t *testing.T) {
	def := extended()
	var n yaml.Node
	src := `{id_number: "110105198001010016", address: 朝阳区某街道1号, since: 2019-05-01, floor_area_m2: 63, landlord_phone: "13812345678",
  evidence: {source: rental, record_key: k1, source_time: 2024-03-01T08:00:00Z}}`
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	r, err := decodeRecord(def, n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Int("floor_area_m2") != 63 || r.Str("landlord_phone") != "13812345678" || !r.Date("since").Equal(time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %v", r.Values)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id_number":"110105198001010016","address":"朝阳区某街道1号","community_code":"","since":"2019-05-01","evidence_kind":"",` +
		`"floor_area_m2":63,"landlord_phone":"13812345678","evidence":{"dataset":"residence","source":"rental","record_key":"k1",` +
		`"source_time":"2024-03-01T08:00:00Z","ingest_time":"0001-01-01T00:00:00Z"}}`
	if string(b) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", b, want)
	}
	// Unknown dates are null, every kind has its JSON type.
	h, _ := DefOf("health")
	hr := NewRecord(h)
	_ = hr.Set("major_illness", true)
	_ = hr.Set("disability_grade", int64(2))
	b, _ = json.Marshal(hr)
	if !strings.Contains(string(b), `"health_code_time":null`) || !strings.Contains(string(b), `"disability_grade":2,"major_illness":true`) {
		t.Fatalf("health JSON %s", b)
	}
	a, _ := DefOf("asset")
	b, _ = json.Marshal(NewRecord(a))
	if !strings.Contains(string(b), `"registered_at":null`) || !strings.Contains(string(b), `"value_fen":0`) {
		t.Fatalf("asset JSON %s", b)
	}
}

func TestMemberYAML(t *testing.T) {
	var m Member
	src := `
id_number: "110105197503120114"
person: {name: 张伟, birth_date: 1975-03-12, status: normal}
employment:
  - {period: 2024-02-01, gross_income_fen: 60000}
  - {period: 2024-01-01, gross_income_fen: 50000}
health: [{disability_grade: 2, major_illness: true}]
identity_conflicts: [{field: name, sources: [hukou_push, hukou]}]
`
	if err := yaml.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	if m.IDNumber != "110105197503120114" || m.Person == nil || m.Person.Str("name") != "张伟" || m.Person.Date("birth_date").Year() != 1975 {
		t.Fatalf("person %+v", m.Person)
	}
	if len(m.Of("employment")) != 2 || m.Of("employment")[1].Int("gross_income_fen") != 50000 || !m.Of("health")[0].Bool("major_illness") {
		t.Fatalf("records %+v", m.Records)
	}
	if len(m.IdentityConflicts) != 1 || strings.Join(m.IdentityConflicts[0].Sources, ",") != "hukou,hukou_push" {
		t.Fatalf("conflicts %+v", m.IdentityConflicts)
	}
	f := func(src, want string) {
		t.Helper()
		var m Member
		err := yaml.Unmarshal([]byte(src), &m)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", src, err, want)
		}
	}
	f(`{person: {nmae: x}}`, `dataset person has no field "nmae"`)
	f(`{vehicles: []}`, `unknown member key "vehicles"`)
	f(`{employment: {period: 2024-01-01}}`, "employment must be a list")
	f(`{employment: [{gross_income_fen: lots}]}`, `employment.gross_income_fen: cannot read "lots" as an integer`)
	f(`{person: {birth_date: 1975-13-40}}`, "as a date")
	f(`{person: {name: [a, b]}}`, "must be a single value")
}

func TestParseText(t *testing.T) {
	f := func(k schema.Kind, s string, want any) {
		t.Helper()
		got, err := ParseText(k, s)
		if err != nil || got != want {
			t.Errorf("ParseText(%s, %q) = %v (%T), %v; want %v", k, s, got, got, err, want)
		}
	}
	f(schema.KindText, "a b", "a b")
	f(schema.KindFen, "-5", int64(-5))
	f(schema.KindFen, "", int64(0))
	f(schema.KindBool, "1", true)
	f(schema.KindBool, "false", false)
	f(schema.KindDate, "2024-02-29", Date{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)})
	f(schema.KindMonth, "2024-02-01T10:00:00+08:00", Date{time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)})
	f(schema.KindDateTime, "2024-02-01T10:00:00+08:00", time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC))
	f(schema.KindDateTime, "2024-02-01", time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	f(schema.KindDate, "", Date{})
	for _, bad := range []struct {
		k schema.Kind
		s string
	}{{schema.KindInt, "1.5"}, {schema.KindBool, "maybe"}, {schema.KindDate, "2024/01/01"}, {schema.KindDateTime, "noon"}} {
		if _, err := ParseText(bad.k, bad.s); err == nil {
			t.Errorf("ParseText(%s, %q) accepted", bad.k, bad.s)
		}
	}
}

// FuzzParseText: any text gives a value of the kind's type or an error,
// never a panic.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"", "0", "-9223372036854775808", "2024-02-29", "2024-02-01T10:00:00Z", "true", "张三"} {
		f.Add(s)
	}
	kinds := []schema.Kind{schema.KindText, schema.KindFen, schema.KindInt, schema.KindBool, schema.KindDate, schema.KindMonth, schema.KindDateTime}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range kinds {
			v, err := ParseText(k, s)
			if err == nil && !ofKind(v, k) {
				t.Fatalf("ParseText(%s, %q) = %T", k, s, v)
			}
		}
	})
}

func TestMakeAndSet(t *testing.T) {
	r, err := Make("employment", map[string]any{"period": time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), "gross_income_fen": 5})
	if err != nil || r.Int("gross_income_fen") != 5 || r.Date("period").Month() != time.February || r.Evidence.Dataset != "employment" {
		t.Fatalf("Make: %+v, %v", r, err)
	}
	if _, err := Make("employment", map[string]any{"salary": 5}); err == nil {
		t.Error("unknown field accepted")
	}
	if err := r.Set("gross_income_fen", "5"); err == nil {
		t.Error("a string set on a fen field")
	}
	c := r.Clone()
	_ = c.Set("gross_income_fen", int64(7))
	if r.Int("gross_income_fen") != 5 {
		t.Error("Clone shares values")
	}
	if r.Get("nope") != nil || r.Str("gross_income_fen") != "" {
		t.Error("accessors of absent or other-kind fields")
	}
}

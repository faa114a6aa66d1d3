package eligibility

import (
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/schema"
)

// TestEveryFieldReachesTheRules: the rules' member map holds every field
// of every profile dataset (person fields at the top level, the others in
// their lists), so none is listed by hand.
func TestEveryFieldReachesTheRules(t *testing.T) {
	m := member("110105197503120114", map[string]any{"status": "normal"})
	for _, def := range facts.Defs()[1:] {
		m.Add(facts.NewRecord(def))
	}
	v := memberValue(&m, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))
	for _, f := range facts.Person().Fields {
		if _, ok := v[f.Name]; !ok {
			t.Errorf("person field %s is not in the member map", f.Name)
		}
	}
	for _, def := range facts.Defs()[1:] {
		list, ok := v[def.Key].([]any)
		if !ok || len(list) != 1 {
			t.Fatalf("%s: %v", def.Key, v[def.Key])
		}
		rec := list[0].(map[string]any)
		for _, f := range def.Fields {
			if _, ok := rec[f.Name]; !ok && f.Name != "id_number" {
				t.Errorf("%s field %s is not in the member map", def.Name, f.Name)
			}
		}
	}
}

// TestNewFieldReachesTheRules: a field a later schema line adds (here to
// a Def built from a changed schema.Dataset) is usable in a rule.
func TestNewFieldReachesTheRules(t *testing.T) {
	ds := schema.Datasets["residence"]
	ds.Fields = append(append([]schema.Field(nil), ds.Fields...), schema.Field{Name: "floor_area_m2", Kind: schema.KindInt})
	def := facts.NewDef(ds, "residences")
	r := facts.NewRecord(def)
	if err := r.Set("floor_area_m2", int64(63)); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(miniProgram, "applicant.age >= params.limit", "applicant.residences.exists(r, r.floor_area_m2 > 50)", 1)
	p := loadMini(t, src)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	in := person("2000-01-01")
	in.Members[0].Add(r)
	if d := Evaluate(p, fresh(in, at), at); d.Decision != Eligible || d.Rules[0].Outcome != Pass {
		t.Fatalf("rule on the new field: %s %+v", d.Decision, d.Rules[0])
	}
}

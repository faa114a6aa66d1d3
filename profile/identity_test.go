package profile

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestIdentityConflict: a push source sends an existing resident's ID number
// with another name and birth date and a newer source_time. The profile
// still shows the latest row, but carries the conflict (per source value),
// and eligibility does not decide on it. Before the push, after the push's
// record is deleted, and between sources that agree, there is none.
func TestIdentityConflict(t *testing.T) {
	conn, cfg := storetest.New(t)
	const id = "11010519450303102X"
	t0, t1, t2 := day("2020-01-01"), day("2024-03-01"), day("2024-04-01")
	insert(t, conn, cfg, "person",
		person(id, "H9", "normal", t0, row{"name": "张三", "birth_date": "1945-03-03", "hukou_division": "110105"}),
		// A second registration source agreeing with hukou (birth date unknown).
		person(id, "H9", "normal", t0, row{"name": "张三", "birth_date": "", "source": "census", "hukou_division": "110105"}),
		person(id, "H9", "normal", t1, row{"name": "李四", "birth_date": "1960-01-01", "source": "hukou_push", "record_key": "push-1", "hukou_division": "110105"}),
		row{"id_number": id, "source": "hukou_push", "record_key": "push-1", "deleted": uint8(1), "source_time": t2, "ingest_time": t2},
	)
	insert(t, conn, cfg, "social_insurance",
		row{"id_number": id, "insurance_type": "pension", "status": "receiving", "monthly_pension_fen": int64(60000), "source": "hrss", "record_key": id, "source_time": t0, "ingest_time": t0},
	)
	r := NewReader(conn, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	res, err := r.Resident(ctx, id, day("2024-03-15"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Person.Str("name") != "李四" || res.Person.Evidence.Source != "hukou_push" {
		t.Errorf("person shown = %s from %s, want the latest row (李四 from hukou_push)", res.Person.Str("name"), res.Person.Evidence.Source)
	}
	want := []facts.IdentityConflict{
		{Field: facts.ConflictBirthDate, Sources: []string{"hukou", "hukou_push"}, Values: map[string]string{"hukou": "1945-03-03", "hukou_push": "1960-01-01"}},
		{Field: facts.ConflictName, Sources: []string{"census", "hukou", "hukou_push"}, Values: map[string]string{"census": "张三", "hukou": "张三", "hukou_push": "李四"}},
	}
	if !reflect.DeepEqual(res.IdentityConflicts, want) {
		t.Fatalf("identity conflicts = %+v, want %+v", res.IdentityConflicts, want)
	}

	// The household check of the same date: needs_review, naming the conflict.
	reg, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Household(ctx, id, day("2024-03-15"))
	if err != nil {
		t.Fatal(err)
	}
	in := eligibility.NewInput(h.Facts())
	if got := in.Members[0].IdentityConflicts; len(got) != 2 || got[1].Field != "name" || strings.Join(got[1].Sources, ",") != "census,hukou,hukou_push" {
		t.Fatalf("input conflicts = %+v", got)
	}
	for _, prog := range []string{"dibao", "elderly_allowance"} {
		p, _ := reg.Program(prog)
		d := eligibility.Evaluate(p, in, day("2024-03-15"))
		if d.Decision != eligibility.NeedsReview ||
			!containsPrefix(d.Missing, "identity conflict: name differs between sources census, hukou and hukou_push for member 110105********102X") ||
			!containsPrefix(d.Missing, "identity conflict: birth_date differs between sources hukou and hukou_push for member 110105********102X") {
			t.Errorf("%s: decision %s, missing %v; want needs_review naming both conflicts", prog, d.Decision, d.Missing)
		}
	}

	// Before the push and after its record was deleted: no conflict.
	for _, asOf := range []string{"2024-02-01", "2024-05-01"} {
		res, err := r.Resident(ctx, id, day(asOf))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.IdentityConflicts) != 0 || res.Person.Str("name") != "张三" {
			t.Errorf("as of %s: person %s, conflicts %+v; want 张三 without conflicts", asOf, res.Person.Str("name"), res.IdentityConflicts)
		}
	}
}

func TestIdentityConflictsPure(t *testing.T) {
	at := func(src, key, name, birth string, st time.Time) facts.Record {
		p, err := facts.Make("person", map[string]any{"name": name})
		if err != nil {
			t.Fatal(err)
		}
		if birth != "" {
			_ = p.Set("birth_date", facts.DateOf(day(birth)))
		}
		p.Evidence = facts.Evidence{Source: src, RecordKey: key, SourceTime: st}
		return p
	}
	t0, t1 := day("2020-01-01"), day("2021-01-01")
	f := func(ps []facts.Record, want ...string) {
		t.Helper()
		var got []string
		for _, c := range identityConflicts(ps) {
			got = append(got, c.Field)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("conflicts %v, want %v", got, want)
		}
	}
	f([]facts.Record{at("a", "1", "张三", "1945-03-03", t0)})
	f([]facts.Record{at("a", "1", "张三", "1945-03-03", t0), at("b", "1", "张三", "1945-03-03", t1)})
	f([]facts.Record{at("a", "1", "张三", "1945-03-03", t0), at("b", "1", "", "", t1)})
	f([]facts.Record{at("a", "1", "张三", "1945-03-03", t0), at("b", "1", "李四", "1945-03-03", t1)}, "name")
	f([]facts.Record{at("a", "1", "张三", "1945-03-03", t0), at("b", "1", "张三", "1945-03-04", t1)}, "birth_date")
	// One source's records are not compared with each other; its latest counts.
	f([]facts.Record{at("a", "1", "张三", "", t0), at("a", "2", "李四", "", t1)})
	f([]facts.Record{at("a", "1", "李四", "", t0), at("a", "2", "张三", "", t1), at("b", "1", "张三", "", t0)})
}

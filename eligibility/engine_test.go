package eligibility

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/residenthub/residenthub/facts"
)

const miniProgram = `
id: mini
title: Mini
description: {en: test, zh: 测试}
region_prefix: "11"
source: [test]
datasets:
  - {name: person, max_age: 10d}
parameters:
  limit:
    - {value: 10, effective_from: 2020-01-01, source: a}
    - {value: 20, effective_from: 2022-07-01, source: b}
rules:
  - id: old_enough
    kind: requirement
    description: {en: age, zh: 年龄}
    uses: [person]
    expression: applicant.age >= params.limit
    values: {age: applicant.age, limit: params.limit}
  - id: loop
    kind: review_flag
    description: {en: loop, zh: 循环}
    expression: household.all(m, m.employment.all(e, e.gross_income_fen >= 0))
outcomes:
  limit: params.limit
tests:
  - name: ok
    as_of: 2024-01-01
    applicant: "A"
    household: [{id_number: "A", person: {status: normal, birth_date: 2000-01-01}}]
    expect: {decision: eligible, amounts: {limit: 20}}
`

func loadMini(t *testing.T, src string) *Program {
	t.Helper()
	reg, err := Load(fstest.MapFS{"mini.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := reg.Program("mini")
	if !ok {
		t.Fatal("no program mini")
	}
	return p
}

func person(birth string) Input {
	b, _ := time.Parse(time.DateOnly, birth)
	return Input{Applicant: "A", Members: []facts.Member{member("A", map[string]any{"status": "normal", "birth_date": b})}}
}

// member is a household member with a person record of the given fields.
func member(id string, fields map[string]any) facts.Member {
	p, err := facts.Make("person", fields)
	if err != nil {
		panic(err)
	}
	return facts.Member{IDNumber: id, Person: &p}
}

func fresh(in Input, at time.Time) Input {
	in.Datasets = map[string]DatasetStatus{"person": {Rows: 1, LatestSourceTime: at, LatestIngestTime: at}}
	return in
}

func TestParametersInForce(t *testing.T) {
	p := loadMini(t, miniProgram)
	f := func(asOf, birth string, decision string, limit int64) {
		t.Helper()
		at, _ := time.Parse(time.DateOnly, asOf)
		d := Evaluate(p, fresh(person(birth), at), at)
		if d.Decision != decision || d.Parameters["limit"].Value != limit {
			t.Errorf("as of %s born %s: %s limit %v (missing %v), want %s limit %d", asOf, birth, d.Decision, d.Parameters["limit"].Value, d.Missing, decision, limit)
		}
	}
	f("2022-06-30", "2010-01-01", Eligible, 10)   // aged 12, limit 10
	f("2022-07-01", "2010-01-01", Ineligible, 20) // new value from its first day
	f("2024-01-01", "2000-01-01", Eligible, 20)
	// Before any value: needs_review naming the parameter.
	at, _ := time.Parse(time.DateOnly, "2019-12-31")
	d := Evaluate(p, fresh(person("1950-01-01"), at), at)
	if d.Decision != NeedsReview || !strings.Contains(strings.Join(d.Missing, ";"), "parameter limit") {
		t.Errorf("before any value: %s %v", d.Decision, d.Missing)
	}
}

func TestCheckDateIsChinaStandardTime(t *testing.T) {
	// 2022-06-30 17:00 UTC is 2022-07-01 01:00 in Beijing: the new value applies.
	at := time.Date(2022, 6, 30, 17, 0, 0, 0, time.UTC)
	if got := CheckDate(at).Format(time.DateOnly); got != "2022-07-01" {
		t.Errorf("CheckDate = %s", got)
	}
	p := loadMini(t, miniProgram)
	d := Evaluate(p, fresh(person("2000-01-01"), at), at)
	if d.Date != "2022-07-01" || d.Parameters["limit"].Value != int64(20) {
		t.Errorf("date %s limit %v", d.Date, d.Parameters["limit"].Value)
	}
}

func TestMissingOrStaleDataNeverEligible(t *testing.T) {
	p := loadMini(t, miniProgram)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := func(ds map[string]DatasetStatus, want string) {
		t.Helper()
		in := person("2000-01-01")
		in.Datasets = ds
		d := Evaluate(p, in, at)
		if d.Decision != NeedsReview || !strings.Contains(strings.Join(d.Missing, ";"), want) {
			t.Errorf("%v: %s %v, want needs_review naming %q", ds, d.Decision, d.Missing, want)
		}
	}
	f(nil, "dataset person: no data loaded")
	f(map[string]DatasetStatus{"person": {Rows: 0}}, "dataset person: no data loaded")
	f(map[string]DatasetStatus{"person": {Rows: 5, LatestSourceTime: at.AddDate(0, 0, -11)}}, "dataset person: stale")
	// Only data after the check date: not loaded as of then.
	f(map[string]DatasetStatus{"person": {Rows: 5, LatestSourceTime: at.AddDate(0, 0, 1)}}, "no data loaded as of")
	// Ingest time counts too: a reload 1 day ago keeps old source times fresh.
	in := person("2000-01-01")
	in.Datasets = map[string]DatasetStatus{"person": {Rows: 5, LatestSourceTime: at.AddDate(-1, 0, 0), LatestIngestTime: at.AddDate(0, 0, -1)}}
	if d := Evaluate(p, in, at); d.Decision != Eligible {
		t.Errorf("recent ingest: %s %v", d.Decision, d.Missing)
	}
}

func TestUnknownValuesAndCostLimit(t *testing.T) {
	p := loadMini(t, miniProgram)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// No birth date and an ID without one: age unknown → rule unknown → needs_review.
	in := fresh(Input{Applicant: "A", Members: []facts.Member{member("A", map[string]any{"status": "normal"})}}, at)
	d := Evaluate(p, in, at)
	if d.Decision != NeedsReview || d.Rules[0].Outcome != Unknown {
		t.Errorf("unknown age: %s %+v", d.Decision, d.Rules[0])
	}
	// A huge input exceeds the cost limit: unknown, never a panic or eligible.
	big := person("2000-01-01")
	empDef, _ := facts.DefOf("employment")
	emp := make([]facts.Record, 2000)
	for i := range emp {
		emp[i] = facts.NewRecord(empDef)
	}
	for i := 0; i < 250; i++ {
		big.Members = append(big.Members, facts.Member{IDNumber: "M", Records: map[string][]facts.Record{"employment": emp}})
	}
	d = Evaluate(p, fresh(big, at), at)
	if d.Decision != NeedsReview || d.Rules[1].Outcome != Unknown || !strings.Contains(d.Rules[1].Error, "cost") {
		t.Errorf("cost limit: %s %+v", d.Decision, d.Rules[1].Error)
	}
	// Empty input: no panic.
	d = Evaluate(p, Input{}, at)
	if d.Decision == Eligible {
		t.Errorf("empty input eligible")
	}
}

func TestLoadErrorsNameFileAndRule(t *testing.T) {
	f := func(old, new, want string) {
		t.Helper()
		src := strings.Replace(miniProgram, old, new, 1)
		_, err := Load(fstest.MapFS{"mini.yaml": {Data: []byte(src)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q → %q: error %v, want it to contain %q", old, new, err, want)
		}
	}
	f("applicant.age >= params.limit", "applicant.age >=", "program mini.yaml: rule old_enough: cannot compile")
	f("applicant.age >= params.limit", "applicant.age + 1", "rule old_enough: expression")
	f("kind: review_flag", "kind: maybe", "rule loop: kind")
	f("max_age: 10d", "max_age: soon", "max_age")
	f("source: b}", "source: \"\"}", "parameter limit")
	f("decision: eligible", "decision: yes", "test 1 (ok)")
	f("title: Mini", "titel: Mini", "field titel not found")
	f("age: applicant.age,", "age: nosuchvar,", "rule old_enough: value age")
}

func TestRegistry(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range reg.List() {
		ids = append(ids, p.ID)
	}
	if got := strings.Join(ids, ","); got != "dibao,disability_subsidy,elderly_allowance,residence_certificate" {
		t.Errorf("programs %s", got)
	}
	if _, ok := reg.Program("nope"); ok {
		t.Error("Program(nope) found")
	}
}

func TestParameterValueJSONDate(t *testing.T) {
	b, err := json.Marshal(ParameterValue{Value: 132000, EffectiveFrom: time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC), Source: "report"})
	if err != nil || string(b) != `{"value":132000,"effective_from":"2022-07-01","source":"report"}` {
		t.Fatalf("%s %v", b, err)
	}
}

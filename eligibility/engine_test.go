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
parameter_review:
  limit: {review_after: 5y}
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
	f("title: Mini", "title: {zh: 迷你, fr: Mini}", `unknown key "fr"`)
	f("title: Mini", "title: {zh: 迷你}", "title (zh and en)")
	f("outcomes:", "labels: {limit: {zh: 上限, en: limit, unit: furlongs}}\noutcomes:", `label limit: unknown unit "furlongs"`)
	f("outcomes:", "labels: {limit: {zh: 上限}}\noutcomes:", "label limit: needs zh and en")
}

// TestTitlesLabelsUnits: a title and a source are {zh, en} or one string
// for both; a decision carries the units of the program's labels.
func TestTitlesLabelsUnits(t *testing.T) {
	src := strings.Replace(miniProgram, "title: Mini", "title: {zh: 迷你, en: Mini}", 1)
	src = strings.Replace(src, "source: b}", "source: {zh: 乙, en: b}}", 1)
	src = strings.Replace(src, "outcomes:", "labels:\n  limit: {zh: 上限, en: limit, unit: years}\n  age: {zh: 年龄, en: age}\noutcomes:", 1)
	p := loadMini(t, src)
	if p.Title != (Text{Zh: "迷你", En: "Mini"}) || p.Parameters["limit"][0].Source != (Text{Zh: "a", En: "a"}) ||
		p.Parameters["limit"][1].Source != (Text{Zh: "乙", En: "b"}) {
		t.Fatalf("title %+v, sources %+v", p.Title, p.Parameters["limit"])
	}
	d := Evaluate(p, person("1990-01-01"), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if d.Title != p.Title || len(d.Units) != 1 || d.Units["limit"] != "years" {
		t.Fatalf("title %+v units %v", d.Title, d.Units)
	}
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
	b, err := json.Marshal(ParameterValue{Value: 132000, EffectiveFrom: time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC), Source: Text{Zh: "报道", En: "report"}})
	if err != nil || string(b) != `{"value":132000,"effective_from":"2022-07-01","source":{"en":"report","zh":"报道"}}` {
		t.Fatalf("%s %v", b, err)
	}
}

// TestMembersNamedByRelation: a decision names a household member by
// relation to the head and masked name (配偶 李*), the review flag too, and
// shows an unknown date as null.
func TestMembersNamedByRelation(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := reg.Program("dibao")
	head := member("110105198001010016", map[string]any{"name": "张三", "status": "normal", "relation_to_head": "02", "hukou_division": "110105"})
	pension, err := facts.Make("social_insurance", map[string]any{"insurance_type": "pension", "status": "receiving", "monthly_pension_fen": 100000})
	if err != nil {
		t.Fatal(err)
	}
	head.Add(pension)
	in := Input{Applicant: "110105198001010016", Members: []facts.Member{head,
		member("110105198202020026", map[string]any{"name": "李四", "status": "normal", "relation_to_head": "10", "hukou_division": "110105"}),
	}}
	d := Evaluate(p, in, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))
	var income, flag map[string]any
	for _, r := range d.Rules {
		switch r.ID {
		case "income_below_standard":
			income = r.Values
		case "work_capable_members_have_income":
			flag = r.Values
		}
	}
	members, _ := income["members"].([]any)
	if len(members) != 2 {
		t.Fatalf("members %v", income["members"])
	}
	spouse, _ := members[1].(map[string]any)
	if spouse["relation"] != "配偶" || spouse["name_masked"] != "李*" || spouse["member"] != "110105********0026" ||
		spouse["pension_monthly_fen"] != int64(0) || spouse["employment_income_window_fen"] != int64(0) {
		t.Errorf("spouse %v", spouse)
	}
	flagged, _ := flag["members_without_income"].([]any)
	if len(flagged) != 2 || flagged[1].(map[string]any)["relation"] != "配偶" || flagged[1].(map[string]any)["name_masked"] != "李*" ||
		flagged[0].(map[string]any)["relation"] != "户主" {
		t.Errorf("review flag members %v", flag)
	}
	if d.Units["pension_monthly_fen"] != "fen_per_month" || d.Units["employment_income_window_fen"] != "fen_window_total" {
		t.Errorf("units %v", d.Units)
	}
	// A residence without a since date: "" on the certificate, never year 1.
	rc, _ := reg.Program("residence_certificate")
	residence, err := facts.Make("residence", map[string]any{"address": "x", "community_code": "110105001001", "evidence_kind": "other"})
	if err != nil {
		t.Fatal(err)
	}
	in.Members[0].Add(residence)
	if d := Evaluate(rc, in, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)); d.Amounts["since"] != "" {
		t.Errorf("since %v (%s, missing %v)", d.Amounts["since"], d.Decision, d.Missing)
	}
}

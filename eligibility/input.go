package eligibility

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// cst is China Standard Time (UTC+8, no daylight saving): check dates are
// calendar dates there.
var cst = schema.ChinaTime

// CheckDate returns the calendar date of the instant asOf in China Standard
// Time, as UTC midnight (the form of calendar dates in residenthub). A UTC
// midnight (a calendar date already) maps to itself.
func CheckDate(asOf time.Time) time.Time {
	y, m, d := asOf.In(cst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// memberValue is the CEL map of one member on check date day. Every field
// of every profile dataset is in it (derived from schema, so a new field
// reaches the rules without code here), plus values computed for the rules:
//
//	id_number, id_masked, found (has a person record)
//	name_masked (normalize.MaskName: 李*), relation (RelationName of
//	  relation_to_head: 户主, 配偶, 母亲; "" when unknown) — how a decision
//	  names a member to the clerk: "配偶 李*"
//	every person field but id_number, at the top level (name, sex, status,
//	  hukou_division, household_id, ...; the kind's zero value without a
//	  person record), except birth_date: a timestamp, taken from the ID
//	  number when the record has none, absent when neither knows it
//	age (int, completed years on the check date; absent when the birth date
//	  is unknown, so rules on it evaluate to unknown)
//	one list per other profile dataset under its profile key (residences,
//	  social_insurance, employment, health, assets): a map per record of
//	  every field but id_number; text as strings, fen and int as ints, bool
//	  as bools, dates, months and instants as timestamps (unknown: the zero
//	  timestamp, 0001-01-01)
//	residences newest since first; employment rows also carry months_ago =
//	  calendar months from period to the check date's month (1 = last month)
//	disability_grade (int, most severe = lowest non-zero grade; 0 none),
//	disability_category (string), major_illness (bool), over health records
//	pension_fen: sum of monthly_pension_fen of social_insurance rows with
//	  insurance_type "pension" and status "receiving"
//	deposit_fen: sum of value_fen of assets of kind "deposit"
//	real_estate_count, vehicle_count: number of assets of those kinds
func memberValue(m *facts.Member, day time.Time) map[string]any {
	v := make(map[string]any, memberValueSize)
	v["id_number"], v["id_masked"], v["found"] = m.IDNumber, normalize.MaskID(m.IDNumber), m.Person != nil
	person := facts.NewRecord(facts.Person())
	if m.Person != nil {
		person = *m.Person
	}
	for i, f := range person.Def.Fields {
		if f.Name != "id_number" && f.Name != "birth_date" {
			v[f.Name] = celValue(person.Values[i])
		}
	}
	v["name_masked"], v["relation"] = "", ""
	if m.Person != nil {
		v["name_masked"], v["relation"] = normalize.MaskName(person.Str("name")), RelationName(person.Str("relation_to_head"))
	}
	birth := person.Date("birth_date").Time
	if birth.IsZero() {
		birth, _ = normalize.BirthDateFromID(m.IDNumber)
	}
	if !birth.IsZero() {
		v["birth_date"] = birth
		if age, ok := ageOn(birth, day); ok {
			v["age"] = age
		}
	}
	for _, def := range facts.Defs()[1:] {
		recs := m.Of(def.Name)
		if def.Name == "residence" {
			recs = append([]facts.Record(nil), recs...)
			sort.SliceStable(recs, func(i, j int) bool { return recs[i].Date("since").After(recs[j].Date("since").Time) })
		}
		list := make([]any, 0, len(recs))
		for _, r := range recs {
			rv := recordValue(r)
			if def.Name == "employment" {
				rv["months_ago"] = monthsBetween(r.Date("period").Time, day)
			}
			list = append(list, rv)
		}
		v[def.Key] = list
	}

	var pension int64
	for _, s := range m.Of("social_insurance") {
		if s.Str("insurance_type") == "pension" && s.Str("status") == "receiving" {
			pension = addSat(pension, s.Int("monthly_pension_fen"))
		}
	}
	v["pension_fen"] = pension

	var deposit, realEstate, vehicles int64
	for _, a := range m.Of("asset") {
		switch a.Str("asset_kind") {
		case "deposit":
			deposit = addSat(deposit, a.Int("value_fen"))
		case "real_estate":
			realEstate++
		case "vehicle":
			vehicles++
		}
	}
	v["deposit_fen"], v["real_estate_count"], v["vehicle_count"] = deposit, realEstate, vehicles

	var grade int64
	category, illness := "", false
	for _, h := range m.Of("health") {
		if g := h.Int("disability_grade"); g > 0 && (grade == 0 || g < grade) {
			grade, category = g, h.Str("disability_category")
		}
		illness = illness || h.Bool("major_illness")
	}
	v["disability_grade"], v["disability_category"], v["major_illness"] = grade, category, illness
	return v
}

// memberValueSize is how many entries memberValue's map holds: the person's
// fields and the values above (presized: growing it was a fifth of what a
// household's evaluation allocated).
var memberValueSize = len(facts.Person().Fields) + len(facts.Defs()) + 16

// recordValue is the CEL map of one record: every field but id_number.
func recordValue(r facts.Record) map[string]any {
	out := make(map[string]any, len(r.Values)+1)
	for i, f := range r.Def.Fields {
		if f.Name != "id_number" {
			out[f.Name] = celValue(r.Values[i])
		}
	}
	return out
}

// celValue converts a record value (facts.Zero's types) to what CEL takes:
// dates become timestamps (UTC midnight; unknown: the zero time).
func celValue(v any) any {
	if d, ok := v.(facts.Date); ok {
		return d.Time
	}
	return v
}

// RelationName names a member's relation to the head of household (GB/T
// 4761-2008 code) as the household register does: 配偶, 母亲, 长子; the
// head's own codes 01 (本人) and 02 (户主) are both 户主. "" for an unknown code.
func RelationName(code string) string {
	if code == "01" || code == "02" {
		return "户主"
	}
	return normalize.RelationToHead().Name(code)
}

// ageOn returns completed years from birth to day (both calendar dates).
func ageOn(birth, day time.Time) (int64, bool) {
	if birth.After(day) {
		return 0, false
	}
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return int64(age), true
}

// monthsBetween counts calendar months from the month of a to the month of b.
func monthsBetween(a, b time.Time) int64 {
	return int64(b.Year()*12+int(b.Month())) - int64(a.Year()*12+int(a.Month()))
}

// addSat adds without wrapping around (inputs are fen; saturates at the int64 range).
func addSat(a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		if b > 0 {
			return 1<<63 - 1
		}
		return -1 << 63
	}
	return s
}

// evidenceList is the evidence of every record of the members in scope,
// person first, then in profile order, member by member; dataset[i] is the
// dataset evidence i was filed under (its own Dataset may differ when set).
type evidenceList struct {
	all     []Evidence
	dataset []string
}

func scopeEvidence(scope []*facts.Member) evidenceList {
	n := 0
	for _, m := range scope {
		if m.Person != nil {
			n++
		}
		for _, def := range facts.Defs()[1:] {
			n += len(m.Of(def.Name))
		}
	}
	l := evidenceList{all: make([]Evidence, 0, n), dataset: make([]string, 0, n)}
	add := func(ds string, e facts.Evidence) {
		if e.Dataset == "" {
			e.Dataset = ds
		}
		l.all = append(l.all, Evidence{Dataset: e.Dataset, Source: e.Source, RecordKey: e.RecordKey, SourceTime: e.SourceTime})
		l.dataset = append(l.dataset, ds)
	}
	for _, m := range scope {
		if m.Person != nil {
			add(facts.DatasetPerson, m.Person.Evidence)
		}
		for _, def := range facts.Defs()[1:] {
			for _, r := range m.Of(def.Name) {
				add(def.Name, r.Evidence)
			}
		}
	}
	return l
}

// of returns the evidence filed under the given datasets, in order (nil
// when none).
func (l evidenceList) of(datasets []string) []Evidence {
	n := 0
	for _, ds := range l.dataset {
		if slices.Contains(datasets, ds) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Evidence, 0, n)
	for i, ds := range l.dataset {
		if slices.Contains(datasets, ds) {
			out = append(out, l.all[i])
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

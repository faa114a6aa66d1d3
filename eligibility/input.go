package eligibility

import (
	"sort"
	"strconv"
	"time"

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

// memberValue is the CEL map of one member on check date day:
//
//	id_number, id_masked, found (has a person record), name, sex, status,
//	hukou_division, hukou_address, household_id, relation_to_head  strings/bool
//	name_masked (normalize.MaskName: 李*), relation (RelationName of
//	  relation_to_head: 户主, 配偶, 母亲; "" when unknown) — how a decision
//	  names a member to the clerk: "配偶 李*"
//	birth_date (timestamp), age (int, completed years on the check date;
//	  absent when the birth date is unknown, so rules on it evaluate to unknown)
//	residences: list of {address, community_code, since, evidence_kind}, newest since first
//	social_insurance: list of {insurance_type, status, monthly_pension_fen}
//	employment: list of {period, months_ago, gross_income_fen, income_kind};
//	  months_ago = calendar months from period to the check date's month (1 = last month)
//	assets: list of {asset_kind, value_fen}
//	disability_grade (int, most severe = lowest non-zero grade; 0 none),
//	disability_category (string), major_illness (bool)
//	pension_fen: sum of monthly_pension_fen of social_insurance rows with
//	  insurance_type "pension" and status "receiving"
//	deposit_fen: sum of value_fen of assets of kind "deposit"
//	real_estate_count, vehicle_count: number of assets of those kinds
func memberValue(m *Member, day time.Time) map[string]any {
	v := map[string]any{
		"id_number": m.IDNumber, "id_masked": normalize.MaskID(m.IDNumber), "found": m.Person != nil,
		"name": "", "sex": "", "status": "", "hukou_division": "", "hukou_address": "",
		"household_id": "", "relation_to_head": "", "name_masked": "", "relation": "",
	}
	birth := time.Time{}
	if p := m.Person; p != nil {
		v["name"], v["sex"], v["status"] = p.Name, p.Sex, p.Status
		v["hukou_division"], v["hukou_address"] = p.HukouDivision, p.HukouAddress
		v["household_id"], v["relation_to_head"] = p.HouseholdID, p.RelationToHead
		v["name_masked"], v["relation"] = normalize.MaskName(p.Name), RelationName(p.RelationToHead)
		birth = p.BirthDate
	}
	if birth.IsZero() {
		birth, _ = normalize.BirthDateFromID(m.IDNumber)
	}
	if !birth.IsZero() {
		v["birth_date"] = birth
		if age, ok := ageOn(birth, day); ok {
			v["age"] = age
		}
	}

	res := append([]Residence(nil), m.Residences...)
	sort.SliceStable(res, func(i, j int) bool { return res[i].Since.After(res[j].Since) })
	residences := make([]any, 0, len(res))
	for _, r := range res {
		residences = append(residences, map[string]any{
			"address": r.Address, "community_code": r.CommunityCode, "since": r.Since, "evidence_kind": r.EvidenceKind,
		})
	}
	v["residences"] = residences

	var pension int64
	insurance := make([]any, 0, len(m.SocialInsurance))
	for _, s := range m.SocialInsurance {
		insurance = append(insurance, map[string]any{
			"insurance_type": s.InsuranceType, "status": s.Status, "monthly_pension_fen": s.MonthlyPensionFen,
		})
		if s.InsuranceType == "pension" && s.Status == "receiving" {
			pension = addSat(pension, s.MonthlyPensionFen)
		}
	}
	v["social_insurance"], v["pension_fen"] = insurance, pension

	employment := make([]any, 0, len(m.Employment))
	for _, e := range m.Employment {
		employment = append(employment, map[string]any{
			"period": e.Period, "months_ago": monthsBetween(e.Period, day),
			"gross_income_fen": e.GrossIncomeFen, "income_kind": e.IncomeKind,
		})
	}
	v["employment"] = employment

	var deposit, realEstate, vehicles int64
	assets := make([]any, 0, len(m.Assets))
	for _, a := range m.Assets {
		assets = append(assets, map[string]any{"asset_kind": a.AssetKind, "value_fen": a.ValueFen})
		switch a.AssetKind {
		case "deposit":
			deposit = addSat(deposit, a.ValueFen)
		case "real_estate":
			realEstate++
		case "vehicle":
			vehicles++
		}
	}
	v["assets"], v["deposit_fen"], v["real_estate_count"], v["vehicle_count"] = assets, deposit, realEstate, vehicles

	var grade int64
	category, illness := "", false
	for _, h := range m.Health {
		if h.DisabilityGrade > 0 && (grade == 0 || h.DisabilityGrade < grade) {
			grade, category = h.DisabilityGrade, h.DisabilityCategory
		}
		illness = illness || h.MajorIllness
	}
	v["disability_grade"], v["disability_category"], v["major_illness"] = grade, category, illness
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

// memberEvidence lists a member's records in the given datasets (all if nil).
func memberEvidence(m *Member, datasets map[string]bool) []Evidence {
	var out []Evidence
	add := func(ds string, e Evidence) {
		if datasets != nil && !datasets[ds] {
			return
		}
		if e.Dataset == "" {
			e.Dataset = ds
		}
		out = append(out, e)
	}
	if m.Person != nil {
		add("person", m.Person.Evidence)
	}
	for _, r := range m.Residences {
		add("residence", r.Evidence)
	}
	for _, s := range m.SocialInsurance {
		add("social_insurance", s.Evidence)
	}
	for _, e := range m.Employment {
		add("employment", e.Evidence)
	}
	for _, h := range m.Health {
		add("health", h.Evidence)
	}
	for _, a := range m.Assets {
		add("asset", a.Evidence)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

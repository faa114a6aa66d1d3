package demo

import (
	"strings"
	"time"
)

// Rule ids of the dibao program (team brief).
const (
	RuleApplicantFound  = "applicant_found"
	RuleIncomeBelow     = "income_below_standard"
	RuleAssetsWithin    = "assets_within_limits"
	RuleWorkCapableWork = "work_capable_members_have_income"
)

// Dibao decisions.
const (
	DecisionEligible    = "eligible"
	DecisionIneligible  = "ineligible"
	DecisionNeedsReview = "needs_review"
)

// evaluate computes the truth from the generated world: canonical residents
// and each household's dibao check on the check date D, following the brief:
//
//  1. applicant_found: the head has status normal and hukou_division "11…".
//  2. income_below_standard: member income = (Σ employment gross_income_fen
//     with period in months D-6..D-1) / 6 + Σ monthly_pension_fen of current
//     pension rows with status receiving; per-capita = Σ members / members
//     (integer divisions); passes if per-capita < standard in force on D.
//  3. assets_within_limits: Σ deposits ≤ standard × 24 × members, real
//     estate ≤ 1, vehicles ≤ 0.
//  4. work_capable_members_have_income (review flag): a member aged 18..59
//     on D, not disabled (grade 0) and not majorly ill, with zero employment
//     income in the 6 months and no current unemployment row with status
//     active or receiving.
//
// Any of 1–3 failing → ineligible; else a review flag → needs_review; else
// eligible with allowance (standard − per-capita) × members. That is the
// RulesDecision; the Decision is needs_review instead of eligible or when
// the standard in force is overdue for review (StandardOverdue).
//
// It evaluates the households of the current block (g.w) and appends them
// and their residents to g.truth.
func (g *generator) evaluate() {
	w, t := &g.w, g.truth
	employment := map[*person]int64{}
	for _, e := range w.emp {
		if w.inWindow(e.year, e.month) {
			employment[e.p] += e.fen
		}
	}
	pension := map[*person]int64{}
	unemployed := map[*person]bool{}
	for _, s := range w.si {
		switch {
		case !s.current:
		case s.typ == "pension" && s.status == "receiving":
			pension[s.p] += s.pensionFen
		case s.typ == "unemployment" && (s.status == "active" || s.status == "receiving"):
			unemployed[s.p] = true
		}
	}
	type holdings struct {
		deposits            int64
		realEstate, vehicle int
	}
	assets := map[*person]*holdings{}
	for _, a := range w.assets {
		hd := assets[a.p]
		if hd == nil {
			hd = &holdings{}
			assets[a.p] = hd
		}
		switch a.kind {
		case "deposit":
			hd.deposits += a.valueFen
		case "real_estate":
			hd.realEstate++
		case "vehicle":
			hd.vehicle++
		}
	}
	S := w.standardFen
	for _, h := range w.households {
		ht := Household{HouseholdID: h.id, Archetype: h.archetype, StandardFen: S}
		var members []*person
		var applicant *person
		for _, p := range h.persons {
			if p.relation == "02" && applicant == nil {
				applicant = p
			}
			if p.status != statusNormal {
				ht.NotCounted = append(ht.NotCounted, p.id)
				continue
			}
			members = append(members, p)
			ht.Members = append(ht.Members, p.id)
		}
		if applicant != nil {
			ht.ApplicantID = applicant.id
		}
		n := int64(len(members))
		var reviewMembers []string
		for _, p := range members {
			mi := MemberIncome{IDNumber: p.id, Employment: employment[p], Monthly: employment[p] / incomeMonths, Pension: pension[p]}
			mi.Income = mi.Monthly + mi.Pension
			ht.Incomes = append(ht.Incomes, mi)
			ht.IncomeFen += mi.Income
			if hd := assets[p]; hd != nil {
				ht.DepositsFen += hd.deposits
				ht.RealEstate += hd.realEstate
				ht.Vehicles += hd.vehicle
			}
			age := ageOn(p.birth, w.asOf)
			if age >= 18 && age <= 59 && p.disGrade == 0 && !p.illness && employment[p] == 0 && !unemployed[p] {
				reviewMembers = append(reviewMembers, p.id)
			}
		}
		if n > 0 {
			ht.PerCapitaIncomeFen = ht.IncomeFen / n
		}
		ht.DepositLimitFen = S * depositLimitMonths * n
		if applicant == nil || applicant.status != statusNormal || !strings.HasPrefix(applicant.hukouDiv, "11") {
			ht.FailedRules = append(ht.FailedRules, RuleApplicantFound)
		}
		if n == 0 || ht.PerCapitaIncomeFen >= S {
			ht.FailedRules = append(ht.FailedRules, RuleIncomeBelow)
		}
		if ht.DepositsFen > ht.DepositLimitFen || ht.RealEstate > maxRealEstate || ht.Vehicles > maxVehicles {
			ht.FailedRules = append(ht.FailedRules, RuleAssetsWithin)
		}
		if len(reviewMembers) > 0 {
			ht.ReviewRules = []string{RuleWorkCapableWork}
			ht.ReviewMembers = reviewMembers
		}
		switch {
		case len(ht.FailedRules) > 0:
			ht.Decision = DecisionIneligible
		case len(ht.ReviewRules) > 0:
			ht.Decision = DecisionNeedsReview
		default:
			ht.Decision = DecisionEligible
			ht.AllowanceFen = (S - ht.PerCapitaIncomeFen) * n
		}
		ht.RulesDecision = ht.Decision
		if t.StandardOverdue && ht.Decision != DecisionIneligible {
			ht.Decision = DecisionNeedsReview
		}
		t.Households = append(t.Households, ht)
		t.Summary.Decisions[ht.Decision]++
		t.Summary.RulesDecisions[ht.RulesDecision]++
	}
	first := len(t.Residents)
	for _, p := range w.persons {
		t.Residents = append(t.Residents, g.residentTruth(p))
	}
	t.Summary.Residents = len(t.Residents)
	t.Summary.Households = len(t.Households)
	for _, rt := range t.Residents[first:] {
		t.Summary.ByStatus[rt.Status]++
		if rt.Status != statusNormal {
			continue
		}
		switch {
		case rt.Age >= 100:
			t.Summary.Aged100Plus++
			fallthrough
		case rt.Age >= 90:
			t.Summary.Aged90Plus++
			fallthrough
		case rt.Age >= 80:
			t.Summary.Aged80Plus++
		}
		if rt.DisabilityGrade > 0 {
			t.Summary.Disabled++
		}
	}
}

// newTruth returns the truth's header: the check date and parameters, no
// households yet.
func (g *generator) newTruth() *Truth {
	w := &g.w
	t := &Truth{
		Seed: g.opts.Seed, AsOf: w.asOf.Format(time.DateOnly), District: districtCode,
		StandardFen: w.standardFen, DepositLimitMonths: depositLimitMonths, MaxRealEstate: maxRealEstate, MaxVehicles: maxVehicles,
		Counts:          map[string]DatasetCount{},
		Summary:         Summary{ByStatus: map[string]int{}, Decisions: map[string]int{}, RulesDecisions: map[string]int{}},
		StandardOverdue: standardOverdue(w.asOf),
	}
	for _, m := range w.window {
		t.IncomeMonths = append(t.IncomeMonths, m.Format("2006-01"))
	}
	return t
}

// residentTruth returns the canonical person record of p.
func (g *generator) residentTruth(p *person) Resident {
	age := ageOn(p.birth, g.w.asOf)
	rt := Resident{
		IDNumber: p.id, Name: p.name, Sex: p.sex, BirthDate: p.birth.Format(time.DateOnly), Ethnicity: p.ethnicity,
		HouseholdID: p.hh.id, RelationToHead: p.relation, HukouDivision: p.hukouDiv, HukouAddress: p.hukouAddr,
		Status: p.status, Phone: p.phone, IDWritten: []string{"18", "15", "full_width", "lower_x"}[p.idForm], Age: age,
		HasHealthRecord: p.hasHealth, DisabilityCategory: p.disCategory, DisabilityGrade: p.disGrade, MajorIllness: p.illness,
	}
	if p.res != nil {
		rt.Residence = &ResidenceTruth{Address: p.res.address, CommunityCode: p.res.communityCode, Since: p.res.since.Format(time.DateOnly),
			EvidenceKind: p.res.evidence, InDistrict: strings.HasPrefix(p.res.communityCode, districtCode)}
	}
	if p.status == statusNormal && strings.HasPrefix(p.hukouDiv, "11") {
		switch {
		case age >= 100:
			rt.ElderlyAllowanceFen = 80000
		case age >= 90:
			rt.ElderlyAllowanceFen = 50000
		case age >= 80:
			rt.ElderlyAllowanceFen = 10000
		}
	}
	return rt
}

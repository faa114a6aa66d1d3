package eligibility

import (
	"fmt"
	"sort"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/normalize"
)

// Evaluate checks in against program p as of the instant asOf. Parameters
// and ages are taken on the calendar date of asOf in China Standard Time
// (CheckDate); dataset ages are measured from asOf. in must hold the data as
// of asOf (profile reads it so). Evaluate never panics and never does I/O.
//
// Decision: any identity conflict of a member in the program's scope (the
// applicant, or every member for household programs; see
// Member.IdentityConflicts) → NeedsReview, even when a requirement fails,
// since the facts may belong to another person; otherwise any requirement
// rule false → Ineligible; otherwise any review flag false, any rule that
// cannot be evaluated (unknown), any parameter not in force or whose value
// in force is past its review horizon (ParameterReview), any missing
// dataset or one older than its max_age, or any outcome that cannot be
// computed → NeedsReview, with Missing naming why; otherwise Eligible.
func Evaluate(p *Program, in Input, asOf time.Time) Decision {
	return evaluate(p, in, asOf, true)
}

// evaluate is Evaluate; unmetered false runs every expression with cost
// tracking (the tests compare both ways).
func evaluate(p *Program, in Input, asOf time.Time, unmetered bool) Decision {
	day := CheckDate(asOf)
	d := Decision{
		Program:    p.ID,
		Title:      p.Title,
		AsOf:       asOf.UTC(),
		Date:       day.Format(time.DateOnly),
		Applicant:  normalize.MaskID(in.Applicant),
		Rules:      make([]RuleResult, 0, len(p.Rules)),
		Parameters: map[string]ParameterValue{},
		Evidence:   []Evidence{},
		Missing:    []string{},
		Units:      units(p.Labels),
	}

	params := map[string]any{}
	for _, name := range parameterNames(p) {
		pv, ok := inForce(p.Parameters[name], day)
		if !ok {
			d.Missing = append(d.Missing, fmt.Sprintf("parameter %s: no value in force on %s", name, d.Date))
			continue
		}
		params[name] = pv.Value
		d.Parameters[name] = pv
	}
	d.Missing = append(d.Missing, overdueMissing(p, day)...)
	for _, need := range p.Datasets {
		if msg := datasetProblem(need, in.Datasets, asOf); msg != "" {
			d.Missing = append(d.Missing, msg)
		}
	}

	household := make([]any, 0, len(in.Members))
	var applicant map[string]any
	var scope []*facts.Member
	for i := range in.Members {
		m := &in.Members[i]
		mv := memberValue(m, day)
		household = append(household, mv)
		if m.IDNumber == in.Applicant && applicant == nil {
			applicant = mv
			if p.Scope == "applicant" {
				scope = append(scope, m)
			}
		}
		if p.Scope == "household" {
			scope = append(scope, m)
		}
	}
	evidence := scopeEvidence(scope)
	conflicts := identityProblems(scope)
	d.Missing = append(d.Missing, conflicts...)
	// The applicant's value is one of household's (smallValue walks it
	// there) unless the applicant is not in the input.
	applicantSmall := applicant != nil
	if applicant == nil {
		applicant = map[string]any{"id_number": in.Applicant, "id_masked": normalize.MaskID(in.Applicant), "found": false,
			"status": "", "hukou_division": "", "name": ""}
	}

	programs := map[string]any{}
	for _, dep := range p.deps {
		dd := evaluate(dep, in, asOf, unmetered)
		amounts := dd.Amounts
		if amounts == nil {
			amounts = map[string]any{}
		}
		programs[dep.ID] = map[string]any{"decision": dd.Decision, "amounts": amounts, "missing": toAnyList(dd.Missing)}
	}

	derived := map[string]any{}
	vars := map[string]any{
		"applicant": applicant, "household": household, "params": params, "derived": derived,
		"programs": programs, "as_of": day, "as_of_date": d.Date, "region_prefix": p.RegionPrefix,
	}
	// small: every variable is within smallSize, so expressions with an
	// unmetered plan may run without cost tracking (celProgram).
	small := unmetered && (applicantSmall || smallValue(applicant)) && smallValue(household) && smallValue(params) && smallValue(programs) &&
		smallValue(d.Date) && smallValue(p.RegionPrefix)
	for _, c := range p.derived {
		v, err := eval(c.prg, vars, small)
		if err != nil {
			d.Missing = append(d.Missing, fmt.Sprintf("derived %s: %v", c.name, err))
			continue
		}
		derived[c.name] = v
		small = small && smallValue(v)
	}

	var failed, review bool
	for i := range p.Rules {
		r := &p.Rules[i]
		rr := RuleResult{ID: r.ID, Kind: r.Kind, Description: r.Description, Values: map[string]any{}}
		v, err := eval(r.expr.prg, vars, small)
		switch {
		case err != nil:
			rr.Outcome, rr.Error = Unknown, err.Error()
		case v == types.True:
			rr.Outcome = Pass
		case v == types.False && r.Kind == KindRequirement:
			rr.Outcome, failed = Fail, true
		case v == types.False:
			rr.Outcome, review = Review, true
		default:
			rr.Outcome, rr.Error = Unknown, fmt.Sprintf("expression gave %v, not a bool", toNative(v))
		}
		if rr.Outcome == Unknown {
			d.Missing = append(d.Missing, fmt.Sprintf("rule %s: cannot evaluate: %s", r.ID, rr.Error))
		}
		for _, c := range r.values {
			val, err := eval(c.prg, vars, small)
			if err != nil {
				rr.Values[c.name] = "error: " + err.Error()
				continue
			}
			rr.Values[c.name] = toNative(val)
		}
		if len(r.Uses) > 0 {
			rr.Evidence = evidence.of(r.Uses)
		}
		d.Rules = append(d.Rules, rr)
	}

	switch {
	case len(conflicts) > 0:
		d.Decision = NeedsReview
	case failed:
		d.Decision = Ineligible
	case review || len(d.Missing) > 0:
		d.Decision = NeedsReview
	default:
		d.Decision = Eligible
	}

	if d.Decision != Ineligible && len(p.outcomes) > 0 {
		d.Amounts = map[string]any{}
		for _, c := range p.outcomes {
			v, err := eval(c.prg, vars, small)
			if err != nil {
				d.Missing = append(d.Missing, fmt.Sprintf("outcome %s: cannot compute: %v", c.name, err))
				d.Decision = NeedsReview
				continue
			}
			d.Amounts[c.name] = toNative(v)
		}
		d.AmountsProvisional = d.Decision == NeedsReview
	}

	if all := evidence.of(allDatasets(p)); all != nil {
		d.Evidence = all
	}
	return d
}

// inForce returns the value with the latest effective_from on or before day.
// vals are sorted by effective_from (Load sorts them).
func inForce(vals []ParameterValue, day time.Time) (ParameterValue, bool) {
	var out ParameterValue
	found := false
	for _, v := range vals {
		if v.EffectiveFrom.After(day) {
			break
		}
		out, found = v, true
	}
	return out, found
}

// datasetProblem says why a needed dataset is missing or stale ("" if fine).
// The dataset's time is the later of its latest source and ingest times not
// after asOf.
func datasetProblem(need DatasetNeed, have map[string]DatasetStatus, asOf time.Time) string {
	st, ok := have[need.Name]
	if !ok || st.Rows <= 0 {
		return fmt.Sprintf("dataset %s: no data loaded", need.Name)
	}
	latest := time.Time{}
	for _, t := range []time.Time{st.LatestSourceTime, st.LatestIngestTime} {
		if !t.After(asOf) && t.After(latest) {
			latest = t
		}
	}
	if latest.IsZero() {
		return fmt.Sprintf("dataset %s: no data loaded as of %s", need.Name, asOf.UTC().Format(time.RFC3339))
	}
	if asOf.Sub(latest) > need.maxAge {
		return fmt.Sprintf("dataset %s: stale (latest %s, max age %s)", need.Name, latest.UTC().Format(time.RFC3339), need.MaxAge)
	}
	return ""
}

// allDatasets lists the datasets of p and of the programs it depends on.
func allDatasets(p *Program) []string {
	var out []string
	for _, d := range p.Datasets {
		out = append(out, d.Name)
	}
	for _, dep := range p.deps {
		out = append(out, allDatasets(dep)...)
	}
	return out
}

func parameterNames(p *Program) []string {
	out := make([]string, 0, len(p.Parameters))
	for k := range p.Parameters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

package eligibility

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
)

// TestIdentityConflict: a conflicted identity in the program's scope makes
// the decision needs_review — never eligible, and not ineligible either —
// naming the field, the sources and the masked member.
func TestIdentityConflict(t *testing.T) {
	applicantScope := loadMini(t, miniProgram)
	householdScope := loadMini(t, strings.Replace(miniProgram, "region_prefix:", "scope: household\nregion_prefix:", 1))
	at, _ := time.Parse(time.DateOnly, "2024-01-01")
	const (
		idApplicant = "110105200001011234"
		idSpouse    = "110105200101015678"
	)
	in := func(birth string, applicantConflicts, spouseConflicts []facts.IdentityConflict) Input {
		b, _ := time.Parse(time.DateOnly, birth)
		applicant := member(idApplicant, map[string]any{"status": "normal", "birth_date": b})
		applicant.IdentityConflicts = applicantConflicts
		spouse := member(idSpouse, map[string]any{"status": "normal", "birth_date": b})
		spouse.IdentityConflicts = spouseConflicts
		return fresh(Input{Applicant: idApplicant, Members: []facts.Member{applicant, spouse}}, at)
	}
	name := []facts.IdentityConflict{{Field: "name", Sources: []string{"hukou_push", "hukou"}}}
	f := func(p *Program, in Input, decision string, missing ...string) {
		t.Helper()
		d := Evaluate(p, in, at)
		var conflicts []string
		for _, m := range d.Missing {
			if strings.HasPrefix(m, "identity conflict: ") {
				conflicts = append(conflicts, m)
			}
		}
		if d.Decision != decision || !slices.Equal(conflicts, missing) {
			t.Errorf("%s: decision %s, identity conflicts %q; want %s, %q", p.Scope, d.Decision, conflicts, decision, missing)
		}
	}
	applicantMsg := "identity conflict: name differs between sources hukou and hukou_push for member 110105********1234"
	spouseMsg := "identity conflict: name differs between sources hukou and hukou_push for member 110105********5678"

	f(applicantScope, in("2000-01-01", nil, nil), Eligible)
	f(applicantScope, in("2000-01-01", name, nil), NeedsReview, applicantMsg)
	// A failing requirement does not make a conflicted identity ineligible.
	f(applicantScope, in("2020-01-01", nil, nil), Ineligible)
	f(applicantScope, in("2020-01-01", name, nil), NeedsReview, applicantMsg)
	// Another member's conflict matters only to household programs.
	f(applicantScope, in("2000-01-01", nil, name), Eligible)
	f(householdScope, in("2000-01-01", nil, name), NeedsReview, spouseMsg)
	f(householdScope, in("2000-01-01", name, []facts.IdentityConflict{{Field: "birth_date", Sources: []string{"c", "a", "b"}}}), NeedsReview,
		applicantMsg, "identity conflict: birth_date differs between sources a, b and c for member 110105********5678")
}

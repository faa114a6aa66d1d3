package eligibility

import "testing"

// TestPrograms runs every embedded program file's own test cases.
func TestPrograms(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.List()) == 0 {
		t.Fatal("no programs")
	}
	for _, p := range reg.List() {
		t.Run(p.ID, func(t *testing.T) {
			if len(p.Tests) == 0 {
				t.Fatalf("%s has no test cases", p.File)
			}
			for _, err := range p.RunTests() {
				t.Error(err)
			}
		})
	}
}

// TestAmountsOfAReviewAreProvisional: a needs_review decision may show what
// the data would give, marked provisional; an eligible one is payable.
func TestAmountsOfAReviewAreProvisional(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range reg.List() {
		for _, tc := range p.Tests {
			d := Evaluate(p, p.TestInput(tc), tc.AsOf)
			if len(d.Amounts) == 0 {
				continue
			}
			seen[d.Decision] = true
			if d.AmountsProvisional != (d.Decision == NeedsReview) {
				t.Errorf("%s / %s: decision %s with amounts_provisional %v", p.ID, tc.Name, d.Decision, d.AmountsProvisional)
			}
		}
	}
	if !seen[NeedsReview] || !seen[Eligible] {
		t.Fatalf("the program tests should cover amounts of both eligible and needs_review decisions: %v", seen)
	}
}

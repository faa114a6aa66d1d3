package eligibility

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestStaleParameter: a check whose parameter in force is past its review
// horizon answers needs_review naming the parameter, never eligible; a
// newer value (re-confirmed) makes it decidable again.
func TestStaleParameter(t *testing.T) {
	f := func(review, asOf, want, missing string) {
		t.Helper()
		src := strings.Replace(miniProgram, "limit: {review_after: 5y}", "limit: "+review, 1)
		p := loadMini(t, src)
		at, _ := time.Parse(time.DateOnly, asOf) // CheckDate of midnight UTC is the same day in CST
		d := Evaluate(p, fresh(person("1990-01-01"), at), at)
		if d.Decision != want || !strings.Contains(strings.Join(d.Missing, ";"), missing) {
			t.Errorf("%s as of %s: %s %v, want %s naming %q", review, asOf, d.Decision, d.Missing, want, missing)
		}
	}
	// limit 20 is in force from 2022-07-01.
	f("{review_after: 13mo}", "2023-07-31", Eligible, "")
	f("{review_after: 13mo}", "2023-08-01", NeedsReview, "parameter limit: the value in force since 2022-07-01 was due for review on 2023-08-01; confirm or update it in mini.yaml")
	f("{review_after: 2y}", "2024-06-30", Eligible, "")
	f("{review_after: 2y}", "2024-07-01", NeedsReview, "parameter limit")
	f("{valid_until: 2024-12-31}", "2024-12-31", Eligible, "")
	f("{valid_until: 2024-12-31}", "2025-01-01", NeedsReview, "parameter limit")
	// The horizon counts from the value in force: limit 10 (2020-01-01)
	// was past 13 months in 2021 even though the program's newest value is not.
	f("{review_after: 13mo}", "2021-03-01", NeedsReview, "since 2020-01-01 was due for review on 2021-02-01")

	p := loadMini(t, strings.Replace(miniProgram, "limit: {review_after: 5y}", "limit: {review_after: 13mo}", 1))
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	if o := p.Overdue(day); len(o) != 1 || o[0] != (OverdueParameter{Name: "limit", EffectiveFrom: "2022-07-01", ReviewDue: "2023-08-01"}) {
		t.Errorf("Overdue = %+v", o)
	}
	if o := p.Overdue(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)); len(o) != 0 {
		t.Errorf("Overdue before the horizon = %+v", o)
	}
}

func TestParameterReviewRequired(t *testing.T) {
	f := func(review, want string) {
		t.Helper()
		src := strings.Replace(miniProgram, "parameter_review:\n  limit: {review_after: 5y}\n", review, 1)
		_, err := Load(fstest.MapFS{"mini.yaml": {Data: []byte(src)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", review, err, want)
		}
	}
	f("", "parameter limit: parameter_review.limit is required")
	f("parameter_review:\n  limit: {}\n", "set exactly one of review_after and valid_until")
	f("parameter_review:\n  limit: {review_after: 13mo, valid_until: 2030-01-01}\n", "set exactly one")
	f("parameter_review:\n  limit: {review_after: soon}\n", `review_after "soon"`)
	f("parameter_review:\n  limit: {review_after: 0mo}\n", `review_after "0mo"`)
	f("parameter_review:\n  limit: {review_after: 5y}\n  other: {review_after: 5y}\n", "parameter_review.other: no such parameter")
}

// TestEmbeddedProgramsReviewed: every embedded program gives every
// parameter a horizon, and dibao's 2022 standard is overdue in 2026.
func TestEmbeddedProgramsReviewed(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := reg.Program("dibao")
	o := p.Overdue(time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC))
	if len(o) != 1 || o[0].Name != "standard_fen" || o[0].ReviewDue != "2023-08-01" {
		t.Errorf("dibao overdue in 2026: %+v", o)
	}
}

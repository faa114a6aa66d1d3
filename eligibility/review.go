package eligibility

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParameterReview is a parameter's review horizon (program YAML parameter_review.<name>):
// how long a value stays trustworthy after it took effect. Exactly one of
// ReviewAfter ("13mo", "2y": calendar months or years after the value's
// effective_from) and ValidUntil (a calendar date, the last day the
// regulation sets it for) is set. A check whose value in force is past its
// horizon answers needs_review naming the parameter: a standard nobody
// updated (Beijing raises its dibao standard every July) must not decide a
// case as if it were current.
type ParameterReview struct {
	ReviewAfter string    `yaml:"review_after" json:"review_after,omitempty"`
	ValidUntil  time.Time `yaml:"valid_until" json:"-"`

	months int
}

// parseReviewAfter reads "13mo" (months) or "2y" (years) as a number of
// calendar months.
func parseReviewAfter(s string) (int, error) {
	unit := 1
	num, ok := strings.CutSuffix(s, "mo")
	if !ok {
		num, ok = strings.CutSuffix(s, "y")
		unit = 12
	}
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("review_after %q: want a positive number of months or years like 13mo or 2y", s)
	}
	return n * unit, nil
}

// checkReviews requires a review horizon for every parameter of p and none
// for an unknown parameter.
func checkReviews(p *Program) error {
	for name := range p.Parameters {
		r, ok := p.ParameterReview[name]
		if !ok {
			return fmt.Errorf("parameter %s: parameter_review.%s is required (review_after: 13mo or valid_until: 2026-12-31)", name, name)
		}
		switch {
		case (r.ReviewAfter == "") == r.ValidUntil.IsZero():
			return fmt.Errorf("parameter_review.%s: set exactly one of review_after and valid_until", name)
		case r.ReviewAfter != "":
			m, err := parseReviewAfter(r.ReviewAfter)
			if err != nil {
				return fmt.Errorf("parameter_review.%s: %w", name, err)
			}
			r.months = m
		}
		p.ParameterReview[name] = r
	}
	for name := range p.ParameterReview {
		if _, ok := p.Parameters[name]; !ok {
			return fmt.Errorf("parameter_review.%s: no such parameter", name)
		}
	}
	return nil
}

// ReviewDue returns the first day on which value v of parameter name is past
// its review horizon: v.EffectiveFrom plus review_after months, or the day
// after valid_until. Dates are calendar dates (midnight UTC, as in the
// program files). false when the parameter has no horizon.
func (p *Program) ReviewDue(name string, v ParameterValue) (time.Time, bool) {
	r, ok := p.ParameterReview[name]
	switch {
	case !ok:
		return time.Time{}, false
	case !r.ValidUntil.IsZero():
		return r.ValidUntil.AddDate(0, 0, 1), true
	}
	return v.EffectiveFrom.AddDate(0, r.months, 0), true
}

// OverdueParameter is a parameter whose value in force on a day is past its
// review horizon.
type OverdueParameter struct {
	Name          string `json:"name"`
	EffectiveFrom string `json:"effective_from"` // the value's, "2006-01-02"
	ReviewDue     string `json:"review_due"`     // first overdue day, "2006-01-02"
}

// Overdue lists, sorted by name, the parameters whose value in force on day
// (a calendar date) is past its review horizon.
func (p *Program) Overdue(day time.Time) []OverdueParameter {
	out := []OverdueParameter{}
	for name, vals := range p.Parameters {
		v, ok := inForce(vals, day)
		if !ok {
			continue
		}
		if due, ok := p.ReviewDue(name, v); ok && !day.Before(due) {
			out = append(out, OverdueParameter{Name: name, EffectiveFrom: v.EffectiveFrom.Format(time.DateOnly), ReviewDue: due.Format(time.DateOnly)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// overdueMissing words Overdue for Decision.Missing, one line per parameter.
func overdueMissing(p *Program, day time.Time) []string {
	var out []string
	for _, o := range p.Overdue(day) {
		out = append(out, fmt.Sprintf("parameter %s: the value in force since %s was due for review on %s; confirm or update it in %s",
			o.Name, o.EffectiveFrom, o.ReviewDue, p.File))
	}
	return out
}

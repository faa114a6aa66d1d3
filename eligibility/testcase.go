package eligibility

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// TestCase is one example in a program file: inputs, check date and the
// expected decision. Datasets the program needs that the case does not list
// count as loaded and current on as_of.
type TestCase struct {
	Name  string    `yaml:"name"`
	AsOf  time.Time `yaml:"as_of"`
	Input Input     `yaml:",inline"`
	// Expect is what Evaluate must return.
	Expect Expectation `yaml:"expect"`
}

// Expectation is the checked part of a Decision.
type Expectation struct {
	Decision string `yaml:"decision"`
	// NotPassed lists exactly the rule ids whose outcome is not pass (fail,
	// review or unknown), in any order.
	NotPassed []string `yaml:"not_passed"`
	// Missing lists substrings each of which some Decision.Missing entry holds.
	Missing []string `yaml:"missing"`
	// Amounts lists outcome values that must be equal (others are not checked).
	Amounts map[string]any `yaml:"amounts"`
}

func (tc *TestCase) check(ruleIDs map[string]bool) error {
	if tc.Name == "" || tc.AsOf.IsZero() {
		return fmt.Errorf("name and as_of are required")
	}
	switch tc.Expect.Decision {
	case Eligible, Ineligible, NeedsReview:
	default:
		return fmt.Errorf("expect.decision %q: want eligible, ineligible or needs_review", tc.Expect.Decision)
	}
	for _, id := range tc.Expect.NotPassed {
		if !ruleIDs[id] {
			return fmt.Errorf("expect.not_passed: no rule %q", id)
		}
	}
	for k, v := range tc.Expect.Amounts {
		tc.Expect.Amounts[k] = normalizeYAML(v)
	}
	return nil
}

// TestInput returns the case's input with the defaults filled in: datasets
// not listed are loaded and current on the check date.
func (p *Program) TestInput(tc TestCase) Input {
	in := tc.Input
	ds := make(map[string]DatasetStatus, len(in.Datasets))
	for k, v := range in.Datasets {
		ds[k] = v
	}
	for _, n := range allDatasets(p) {
		if _, ok := ds[n]; !ok {
			ds[n] = DatasetStatus{Rows: 1, LatestSourceTime: tc.AsOf, LatestIngestTime: tc.AsOf}
		}
	}
	in.Datasets = ds
	return in
}

// RunTests evaluates every test case of the program file and returns one
// error per case whose decision differs from its expectation.
func (p *Program) RunTests() []error {
	var errs []error
	for i, tc := range p.Tests {
		d := Evaluate(p, p.TestInput(tc), tc.AsOf)
		if err := tc.Expect.compare(d); err != nil {
			errs = append(errs, fmt.Errorf("%s: test %d (%s): %w", p.File, i+1, tc.Name, err))
		}
	}
	return errs
}

func (e Expectation) compare(d Decision) error {
	var problems []string
	if d.Decision != e.Decision {
		problems = append(problems, fmt.Sprintf("decision %s, want %s", d.Decision, e.Decision))
	}
	var notPassed []string
	for _, r := range d.Rules {
		if r.Outcome != Pass {
			notPassed = append(notPassed, r.ID)
		}
	}
	want := append([]string(nil), e.NotPassed...)
	sort.Strings(notPassed)
	sort.Strings(want)
	if !slices.Equal(notPassed, want) {
		problems = append(problems, fmt.Sprintf("rules not passed %v, want %v", notPassed, want))
	}
	for _, m := range e.Missing {
		if !slices.ContainsFunc(d.Missing, func(s string) bool { return strings.Contains(s, m) }) {
			problems = append(problems, fmt.Sprintf("missing %q not named in %v", m, d.Missing))
		}
	}
	for k, v := range e.Amounts {
		got, ok := d.Amounts[k]
		if !ok || !reflect.DeepEqual(got, v) {
			problems = append(problems, fmt.Sprintf("amount %s = %v (%T), want %v (%T)", k, got, got, v, v))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (rules: %s; missing: %v)", strings.Join(problems, "; "), ruleSummary(d), d.Missing)
	}
	return nil
}

func ruleSummary(d Decision) string {
	var parts []string
	for _, r := range d.Rules {
		s := r.ID + "=" + r.Outcome
		if r.Error != "" {
			s += "(" + r.Error + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

package eligibility

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUnmeteredPlans: every expression of the shipped programs has an
// unmetered plan (cel-go's estimate proves it within CostLimit for inputs
// within smallSize), so counter checks skip cost tracking; and every test
// case of every program decides the same — decision, values, evidence —
// with and without it.
func TestUnmeteredPlans(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range reg.List() {
		all := append([]compiled(nil), p.derived...)
		for _, r := range p.Rules {
			all = append(all, r.expr)
			all = append(all, r.values...)
		}
		all = append(all, p.outcomes...)
		for _, c := range all {
			if c.prg.unmetered == nil {
				t.Errorf("%s: %s has no unmetered plan (its estimated cost is over %d for inputs within %d)", p.ID, c.name, CostLimit, smallSize)
			}
		}
		small := 0
		for _, tc := range p.Tests {
			in := p.TestInput(tc)
			fast, _ := json.Marshal(evaluate(p, in, tc.AsOf, true))
			slow, _ := json.Marshal(evaluate(p, in, tc.AsOf, false))
			if string(fast) != string(slow) {
				t.Errorf("%s, test %q: unmetered\n%s\nmetered\n%s", p.ID, tc.Name, fast, slow)
			}
			var household []any
			for i := range in.Members {
				household = append(household, memberValue(&in.Members[i], CheckDate(tc.AsOf)))
			}
			if smallValue(household) {
				small++
			}
		}
		if small == 0 && len(p.Tests) > 0 {
			t.Errorf("%s: no test case is small enough for the unmetered plans", p.ID)
		}
	}
}

func TestSmallValue(t *testing.T) {
	long := string(make([]byte, smallSize+1))
	many := make([]any, smallSize+1)
	f := func(v any, want bool) {
		t.Helper()
		if got := smallValue(v); got != want {
			t.Errorf("smallValue(%T) = %v, want %v", v, got, want)
		}
	}
	f("短", true)
	f(strings.Repeat("长", smallSize), true) // characters, as CEL's size() counts
	f(long, false)
	f([]any{"a", int64(1), map[string]any{"k": []any{"x"}}}, true)
	f(many, false)
	f([]any{map[string]any{"k": []any{long}}}, false)
	f(map[string]any{long: 1}, false)
	f(struct{}{}, false)
}

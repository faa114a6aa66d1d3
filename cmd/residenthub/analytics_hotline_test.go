package main

import (
	"strconv"
	"testing"

	"github.com/residenthub/residenthub/internal/demo"
)

// checkHotlinePerCommunity compares hotline_cases_per_community_and_category
// (community_code, category, cases, calls, resolved_share, median) with the
// generator's cases: per community, the cases and calls (those that named
// only an address under ”), and per problem kind where the truth ranks it.
func checkHotlinePerCommunity(t *testing.T, got [][]string, want *demo.HotlineTruth) {
	type cell struct{ cases, calls int }
	byCommunity := map[string]*cell{}
	byKind := map[[2]string]*cell{}
	for _, r := range got {
		cases, _ := strconv.Atoi(r[2])
		calls, _ := strconv.Atoi(r[3])
		for _, k := range []*cell{at(byCommunity, r[0]), at(byKind, [2]string{r[0], demo.HotlineKind(r[1])})} {
			k.cases += cases
			k.calls += calls
		}
	}
	addressOnly := 0
	for _, c := range want.Communities {
		addressOnly += c.AddressOnly
		g := at(byCommunity, c.Code)
		if c.AddressOnly == 0 && (g.cases != c.Cases || g.calls != c.Calls) || g.cases != c.Cases-c.AddressOnly {
			t.Errorf("%s: %d cases, %d calls; truth %d cases (%d only by address), %d calls", c.Code, g.cases, g.calls, c.Cases, c.AddressOnly, c.Calls)
		}
		if c.AddressOnly > 0 {
			continue
		}
		for _, p := range c.Top {
			if k := at(byKind, [2]string{c.Code, p.Kind}); k.cases != p.Cases || k.calls != p.Calls {
				t.Errorf("%s %s: %d cases, %d calls; truth %d, %d", c.Code, p.Kind, k.cases, k.calls, p.Cases, p.Calls)
			}
		}
	}
	if g := at(byCommunity, ""); addressOnly == 0 || g.cases != addressOnly {
		t.Errorf("cases without a community code: %d; truth %d (must be some)", g.cases, addressOnly)
	}
}

// checkHotlinePerMonth compares hotline_cases_per_month (month, cases,
// calls, cases_with_repeated_calls) with the generator's months.
func checkHotlinePerMonth(t *testing.T, got [][]string, want *demo.HotlineTruth) {
	months := 0
	for m := range 12 {
		if want.CasesByMonth[m] > 0 {
			months++
		}
	}
	if len(got) != months || months == 0 {
		t.Fatalf("%d months, truth %d: %v", len(got), months, got)
	}
	for _, r := range got {
		m, _ := strconv.Atoi(r[0][5:7])
		if r[1] != strconv.Itoa(want.CasesByMonth[m-1]) || r[2] != strconv.Itoa(want.CallsByMonth[m-1]) {
			t.Errorf("%s: %s cases, %s calls; truth %d, %d", r[0], r[1], r[2], want.CasesByMonth[m-1], want.CallsByMonth[m-1])
		}
	}
}

// checkHotlineDaysToClose compares hotline_days_to_close_per_category
// (category, resolved_cases, median, p90) with the generator's resolved
// cases.
func checkHotlineDaysToClose(t *testing.T, got [][]string, want *demo.HotlineTruth) {
	resolved, total := 0, 0
	for _, r := range got {
		n, _ := strconv.Atoi(r[1])
		resolved += n
		med, _ := strconv.ParseFloat(r[2], 64)
		p90, _ := strconv.ParseFloat(r[3], 64)
		if med < 0.5 || med > p90 || p90 > 49 { // closed 12 h to 12.5 days after the last call, calls at most 36 days apart
			t.Errorf("%s: median %s, p90 %s days", r[0], r[2], r[3])
		}
	}
	for _, c := range want.Communities {
		total += c.Resolved
	}
	if resolved != total || total == 0 {
		t.Errorf("%d resolved cases; truth %d", resolved, total)
	}
}

func at[K comparable, V any](m map[K]*V, k K) *V {
	if m[k] == nil {
		m[k] = new(V)
	}
	return m[k]
}

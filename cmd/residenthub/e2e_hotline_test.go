package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/internal/demo"
)

// checkHotlineTruth asks GET /v1/hotline/top-problems for the demo's
// communities (every fourth, and the one whose tickets partly give only an
// address) and compares each ranking with the generator's: cases, calls,
// the ten kinds in order with their cases, calls, resolved and previous
// year's cases, the unmapped cases, a committee for each — which checks
// the grouping of repeated calls, the default taxonomy, the address
// mapping and the committees against an independent count. The answers
// come from the precomputed counts (hotline.refresh 1s in the tests): it
// first waits until the district's counts were computed after the load
// (the background refresh computes them again once the tickets changed).
func checkHotlineTruth(ctx context.Context, t *testing.T, base string, want *demo.HotlineTruth) {
	if want == nil || len(want.Communities) == 0 {
		t.Fatal("the demo truth has no hotline communities")
	}
	total := 0
	for _, c := range want.Communities {
		total += c.Cases
	}
	var district hotline.Ranking
	districtURL := fmt.Sprintf("%s/v1/hotline/top-problems?year=%d", base, want.Year)
	for deadline := time.Now().Add(90 * time.Second); ; {
		if status := call(ctx, t, http.MethodGet, districtURL, "demo-caseworker-key", nil, &district); status != http.StatusOK {
			t.Fatalf("district ranking: %d", status)
		}
		if int(district.Cases) == total || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if district.ComputedAt == nil || district.TicketsUntil == nil {
		t.Errorf("district ranking without computed_at (%v) or tickets_until (%v)", district.ComputedAt, district.TicketsUntil)
	}
	checked, addressOnly := 0, false
	for i, c := range want.Communities {
		if i%4 != 0 && c.Code != demo.HotlineAddressCommunity {
			continue
		}
		addressOnly = addressOnly || c.Code == demo.HotlineAddressCommunity
		checked++
		var got hotline.Ranking
		url := fmt.Sprintf("%s/v1/hotline/top-problems?year=%d&community=%s", base, want.Year, c.Code)
		if status := call(ctx, t, http.MethodGet, url, "demo-caseworker-key", nil, &got); status != http.StatusOK {
			t.Fatalf("GET %s: %d", url, status)
		}
		if int(got.Cases) != c.Cases || int(got.Calls) != c.Calls || int(got.Unmapped.Cases) != c.Unmapped || len(got.Problems) != len(c.Top) {
			t.Errorf("%s: cases %d calls %d unmapped %d problems %d; truth %d %d %d %d", c.Code, got.Cases, got.Calls, got.Unmapped.Cases,
				len(got.Problems), c.Cases, c.Calls, c.Unmapped, len(c.Top))
			continue
		}
		for j, p := range c.Top {
			g := got.Problems[j]
			if g.Kind != p.Kind || int(g.Cases) != p.Cases || int(g.Calls) != p.Calls || int(g.Resolved) != p.Resolved ||
				int(g.PreviousYearCases) != p.PreviousYearCases || g.Committee == "" || g.Rank != j+1 {
				t.Errorf("%s rank %d: got %+v, truth %+v", c.Code, j+1, g, p)
			}
		}
	}
	if !addressOnly || checked < 5 {
		t.Errorf("checked %d communities (address-only one: %v)", checked, addressOnly)
	}
	if int(district.Cases) != total || district.UnresolvedTickets != 0 || len(district.Unmapped.Categories) == 0 {
		t.Errorf("district: %d cases (truth %d), %d unresolved tickets, unmapped %+v", district.Cases, total, district.UnresolvedTickets, district.Unmapped)
	}
}

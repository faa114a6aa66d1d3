package hotline

import (
	"math"
	"sort"
	"time"
)

// TopN is how many problems a ranking lists.
const TopN = 10

// Community names a community: its 12-digit code and name ("" code: the
// whole district).
type Community struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Problem is one ranked problem kind of a year.
type Problem struct {
	Rank              int     `json:"rank"`
	Kind              string  `json:"kind"`
	Cases             int64   `json:"cases"`
	Calls             int64   `json:"calls"`
	Share             float64 `json:"share"` // of the year's cases (unmapped included), 0..1, 4 decimals
	PreviousYearCases int64   `json:"previous_year_cases"`
	// ChangeVsPreviousYear is (cases − previous) / previous, 4 decimals;
	// null when the previous year had none.
	ChangeVsPreviousYear *float64 `json:"change_vs_previous_year"`
	Resolved             int64    `json:"resolved"`
	ResolvedShare        float64  `json:"resolved_share"` // resolved / cases, 0..1, 4 decimals
	// MedianDaysToClose is the median of days from first call to close over
	// the resolved cases with a closed time, 1 decimal; null when none.
	MedianDaysToClose *float64 `json:"median_days_to_close"`
	Committee         string   `json:"committee"`
}

// Unmapped counts the cases whose category maps to no kind (reported, not
// dropped) and lists those categories.
type Unmapped struct {
	Cases      int64           `json:"cases"`
	Calls      int64           `json:"calls"`
	Categories []CategoryCount `json:"categories"`
}

// CategoryCount is a department category and how many tickets carry it.
type CategoryCount struct {
	Category string `json:"category"`
	Tickets  int64  `json:"tickets"`
}

// Ranking is a community's (or the district's) top problems of a year.
type Ranking struct {
	Year              int       `json:"year"`
	Community         Community `json:"community"`
	Cases             int64     `json:"cases"`
	Calls             int64     `json:"calls"`
	PreviousYearCases int64     `json:"previous_year_cases"`
	Problems          []Problem `json:"problems"`
	Unmapped          Unmapped  `json:"unmapped"`
	// UnresolvedTickets counts the year's tickets whose community could not
	// be found (district-wide answers only; counted there, never dropped).
	UnresolvedTickets int64 `json:"unresolved_tickets"`
	CaseWindowDays    int   `json:"case_window_days"`
	// ComputedAt is when the counts were computed (UTC): the API answers
	// from counts computed ahead (hotlinedb.Snapshots, config
	// hotline.refresh). TicketsUntil is the latest received time among the
	// tickets they count. Absent when computed for the request alone.
	ComputedAt   *time.Time `json:"computed_at,omitempty"`
	TicketsUntil *time.Time `json:"tickets_until,omitempty"`
}

// Rank lists the TopN kinds of cur by cases (then calls, then kind), with
// their share of all of cur's cases, the change against prev, the resolved
// share, the median days to close and the committee. The stats under kind
// "" go to Unmapped (categories are filled by the caller).
func Rank(year int, cur, prev map[string]KindStats, committees *Committees) Ranking {
	r := Ranking{Year: year, Problems: []Problem{}, Unmapped: Unmapped{Categories: []CategoryCount{}}}
	for _, s := range cur {
		r.Cases += s.Cases
		r.Calls += s.Calls
	}
	for _, s := range prev {
		r.PreviousYearCases += s.Cases
	}
	var kinds []KindStats
	for k, s := range cur {
		if k == "" {
			r.Unmapped.Cases, r.Unmapped.Calls = s.Cases, s.Calls
			continue
		}
		if s.Cases > 0 {
			kinds = append(kinds, s)
		}
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := kinds[i], kinds[j]
		if a.Cases != b.Cases {
			return a.Cases > b.Cases
		}
		if a.Calls != b.Calls {
			return a.Calls > b.Calls
		}
		return a.Kind < b.Kind
	})
	if len(kinds) > TopN {
		kinds = kinds[:TopN]
	}
	for i, s := range kinds {
		p := Problem{Rank: i + 1, Kind: s.Kind, Cases: s.Cases, Calls: s.Calls, Resolved: s.Resolved,
			Share: round(float64(s.Cases)/float64(r.Cases), 4), ResolvedShare: round(float64(s.Resolved)/float64(s.Cases), 4),
			PreviousYearCases: prev[s.Kind].Cases, Committee: committees.Of(s.Kind)}
		if p.PreviousYearCases > 0 {
			ch := round(float64(s.Cases-p.PreviousYearCases)/float64(p.PreviousYearCases), 4)
			p.ChangeVsPreviousYear = &ch
		}
		if s.Closed > 0 {
			m := round(s.MedianDays, 1)
			p.MedianDaysToClose = &m
		}
		r.Problems = append(r.Problems, p)
	}
	return r
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

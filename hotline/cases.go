package hotline

import (
	"math"
	"sort"
	"time"
)

// DefaultWindowDays is the default case window (hotline.case_window_days):
// calls by one caller about one kind of problem in one place count as one
// case while each comes within this many days of the previous.
const DefaultWindowDays = 30

// StatusClosed is the hotline_ticket.status of a closed (办结) ticket.
const StatusClosed = "closed"

// Call is one hotline ticket as the ranking sees it: resolved to a
// community and a kind, without its summary or the caller's name.
type Call struct {
	Source, RecordKey string    // the ticket's identity in the hub
	CaseID            string    // the hotline's case (工单合并) id, "" if none
	Caller            string    // normalized phone or ID number of the caller, "" if anonymous
	Community         string    // 12-digit code, "" when unresolved
	Kind              string    // problem kind, "" when the category is unmapped
	Category          string    // the department's category (CategoryKey'd for grouping)
	Time              time.Time // received, UTC
	Status            string    // open, in_progress, closed
	ClosedTime        time.Time // zero when unknown
}

// Case is one problem: one or more calls about the same thing.
type Case struct {
	Community, Kind, Category string
	Opened                    time.Time // the first call
	Calls                     int
	Resolved                  bool      // the latest call's ticket is closed
	Closed                    time.Time // the latest call's closed time (zero: unknown)
}

// DaysToClose returns the days from the first call to the close, and
// whether it is known (a resolved case with a closed time); never negative.
func (c Case) DaysToClose() (float64, bool) {
	if !c.Resolved || c.Closed.IsZero() {
		return 0, false
	}
	return math.Max(0, c.Closed.Sub(c.Opened).Hours()/24), true
}

// GroupKey is the key of the calls that may form one case: the hotline's
// case id; else the caller with the kind (or, unmapped, the category) and
// the community; else the ticket alone. hotlinedb computes the same key in
// ClickHouse.
func (c Call) GroupKey() string {
	switch {
	case c.CaseID != "":
		return "c\x00" + c.CaseID
	case c.Caller != "":
		what := c.Kind
		if what == "" {
			what = "?" + CategoryKey(c.Category)
		}
		return "p\x00" + c.Caller + "\x00" + what + "\x00" + c.Community
	}
	return "t\x00" + c.Source + "\x00" + c.RecordKey
}

// GroupCases forms the problem cases of calls: calls with one case id are
// one case; calls by one caller about one kind in one place, in time order,
// belong to one case while each comes at most window after the previous
// one (a later call starts a new case). A case takes its
// community, kind and category from its first call and its status from its
// latest. Cases are returned in order of first call.
func GroupCases(calls []Call, window time.Duration) []Case {
	groups := map[string][]Call{}
	var order []string
	for _, c := range calls {
		k := c.GroupKey()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []Case
	for _, k := range order {
		g := groups[k]
		sort.SliceStable(g, func(i, j int) bool { return g[i].Time.Before(g[j].Time) })
		var cur *Case
		var last time.Time
		for _, c := range g {
			if cur == nil || k[0] == 'p' && c.Time.Sub(last) > window {
				if cur != nil {
					out = append(out, *cur)
				}
				cur = &Case{Community: c.Community, Kind: c.Kind, Category: c.Category, Opened: c.Time}
			}
			cur.Calls++
			cur.Resolved = c.Status == StatusClosed
			cur.Closed = c.ClosedTime
			last = c.Time
		}
		out = append(out, *cur)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Opened.Before(out[j].Opened) })
	return out
}

// KindStats are one kind's counts in one year (in a community or the
// whole district); Kind "" holds the cases of unmapped categories.
type KindStats struct {
	Kind       string
	Cases      int64
	Calls      int64
	Resolved   int64
	MedianDays float64 // median of DaysToClose over the cases where it is known
	Closed     int64   // cases with a known DaysToClose (MedianDays is meaningless when 0)
}

// Aggregate sums cases opened in year (China Standard Time) per kind; with
// community "" over every community (unresolved cases included).
func Aggregate(cases []Case, year int, community string, loc *time.Location) map[string]KindStats {
	days := map[string][]float64{}
	out := map[string]KindStats{}
	for _, c := range cases {
		if c.Opened.In(loc).Year() != year || community != "" && c.Community != community {
			continue
		}
		s := out[c.Kind]
		s.Kind = c.Kind
		s.Cases++
		s.Calls += int64(c.Calls)
		if c.Resolved {
			s.Resolved++
		}
		if d, ok := c.DaysToClose(); ok {
			days[c.Kind] = append(days[c.Kind], d)
			s.Closed++
		}
		out[c.Kind] = s
	}
	for k, ds := range days {
		s := out[k]
		s.MedianDays = Median(ds)
		out[k] = s
	}
	return out
}

// Median returns the median of xs (the mean of the two middle values for
// an even count; 0 for none). xs is sorted in place.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

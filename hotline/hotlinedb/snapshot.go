package hotlinedb

import (
	"context"
	"fmt"
	"log/slog"
	stdmaps "maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/schema"
	"golang.org/x/sync/singleflight"
)

// Snapshots answers rankings from counts computed ahead of the request
// (CountsByCommunity: one pass per year for every community and the
// district) and stored in hotline_ranking_snapshot (migration 0093) under
// the configuration's fingerprint (hotline.Fingerprint): an answer is a
// point read of the year's latest row of the current configuration. A
// year without one is computed on the request, stored and answered. Run
// keeps the current and the previous year (and the years asked) fresh: a
// year is computed again when its latest row is older than the refresh
// interval and its tickets changed since; API replicas sharing the
// database share the rows, so one computes what the others read. Safe for
// concurrent use.
type Snapshots struct {
	r       *Reader
	config  string
	refresh time.Duration
	// Now is the clock (time.Now; tests move it).
	Now    func() time.Time
	flight singleflight.Group
	mu     sync.Mutex
	asked  map[int]bool // years answered by this process, refreshed by Run too
}

// computeTimeout bounds one year's computation (it runs on after the
// request that started it is gone, for the requests waiting on it).
const computeTimeout = 10 * time.Minute

// NewSnapshots answers from r's database with r's settings; fingerprint is
// hotline.Fingerprint of those settings and r's resolver, refresh
// hotline.refresh.
func NewSnapshots(r *Reader, fingerprint string, refresh time.Duration) (*Snapshots, error) {
	if len(fingerprint) != 64 || strings.Trim(fingerprint, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("cannot build hotline snapshots: fingerprint %q is not 64 hex digits", fingerprint)
	}
	if refresh < time.Second {
		return nil, fmt.Errorf("cannot build hotline snapshots: refresh %s is under 1s", refresh)
	}
	return &Snapshots{r: r, config: fingerprint, refresh: refresh, Now: time.Now, asked: map[int]bool{}}, nil
}

// snapshot is one stored computation of a year.
type snapshot struct {
	counts       map[string]*Counts // by community, "" the district
	computedAt   time.Time          // UTC, seconds
	ticketsUntil time.Time          // UTC; zero when the year has no tickets
	tickets      ticketState
	seconds      float64 // how long the computation took
}

// ticketState tells whether a year's tickets changed: the number of
// stored ticket versions in the range a year's pass reads (year−1 from
// window days before it, and year), the sum of their hashes (source,
// record key, version, deleted; mod 2^64) and the latest received time. A
// new version changes the count and the sum; so does a merge that drops
// replaced versions (a needless recomputation, never a missed one).
type ticketState struct {
	rows, hash uint64
	until      time.Time
}

// Ranking is Reader.Ranking read from the latest snapshot of year
// (computed now when there is none), with when it was computed. Errors:
// "cannot read the hotline ranking: …".
func (s *Snapshots) Ranking(ctx context.Context, year int, community string) (*hotline.Ranking, error) {
	if community != "" && (len(community) != 12 || strings.Trim(community, "0123456789") != "") {
		return nil, fmt.Errorf("cannot read the hotline ranking: community %q is not a 12-digit code", community)
	}
	snaps, err := s.latest(ctx, true, year)
	if err != nil {
		return nil, fmt.Errorf("cannot read the hotline ranking: %w", err)
	}
	s.mu.Lock()
	s.asked[year] = true
	s.mu.Unlock()
	sn := snaps[year]
	if sn == nil {
		if sn, err = s.compute(ctx, year); err != nil {
			return nil, fmt.Errorf("cannot read the hotline ranking: %w", err)
		}
	}
	c := sn.counts[community]
	if c == nil {
		c = newCounts()
	}
	rk := s.r.rank(year, community, c)
	at := sn.computedAt
	rk.ComputedAt = &at
	if u := sn.ticketsUntil; !u.IsZero() {
		rk.TicketsUntil = &u
	}
	return rk, nil
}

// Refresh computes year again when its latest snapshot of the current
// configuration is missing, or older than the refresh interval while the
// year's tickets changed since it; it reports whether it computed. Errors:
// "cannot refresh the hotline counts of <year>: …".
func (s *Snapshots) Refresh(ctx context.Context, year int) (bool, error) {
	snaps, err := s.latest(ctx, false, year)
	if err != nil {
		return false, fmt.Errorf("cannot refresh the hotline counts of %d: %w", year, err)
	}
	if sn := snaps[year]; sn != nil {
		if s.Now().Sub(sn.computedAt) < s.refresh {
			return false, nil
		}
		st, err := s.r.ticketState(ctx, year)
		if err != nil {
			return false, fmt.Errorf("cannot refresh the hotline counts of %d: %w", year, err)
		}
		if st.rows == sn.tickets.rows && st.hash == sn.tickets.hash {
			return false, nil
		}
	}
	if _, err := s.compute(ctx, year); err != nil {
		return false, fmt.Errorf("cannot refresh the hotline counts of %d: %w", year, err)
	}
	return true, nil
}

// Run refreshes the current and the previous year (China Standard Time)
// and the years this process answered at once and then every tenth of the
// refresh interval (1 s to 1 min, with jitter so replicas spread their
// checks) until ctx ends; failures are logged and tried again at the next
// check. Returns nil when ctx ends.
func (s *Snapshots) Run(ctx context.Context, log *slog.Logger) error {
	tick := min(max(s.refresh/10, time.Second), time.Minute)
	for {
		this := s.Now().In(schema.ChinaTime).Year()
		years := map[int]bool{this: true, this - 1: true}
		s.mu.Lock()
		for y := range s.asked {
			years[y] = true
		}
		s.mu.Unlock()
		for _, y := range slices.Sorted(stdmaps.Keys(years)) {
			t0 := time.Now()
			computed, err := s.Refresh(ctx, y)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				log.Warn("hotline counts not refreshed; trying again", "year", y, "err", err)
			case computed:
				log.Info("hotline counts computed", "year", y, "seconds", time.Since(t0).Seconds())
			}
		}
		wait := tick + time.Duration(rand.Int64N(int64(tick/4)+1))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// compute counts year (YearCounts), stores the snapshot and returns it;
// concurrent computations of one year in this process are one. The
// tickets' state is read before the pass, so a ticket stored during it
// makes the next Refresh compute again.
func (s *Snapshots) compute(ctx context.Context, year int) (*snapshot, error) {
	v, err, _ := s.flight.Do(strconv.Itoa(year), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), computeTimeout)
		defer cancel()
		t0 := time.Now()
		sn := &snapshot{computedAt: s.Now().UTC().Truncate(time.Second)}
		st, err := s.r.ticketState(ctx, year)
		if err != nil {
			return nil, err
		}
		sn.tickets = st
		if !st.until.IsZero() && st.until.Unix() > 0 {
			sn.ticketsUntil = st.until.UTC()
		}
		if sn.counts, err = s.r.CountsByCommunity(ctx, year); err != nil {
			return nil, err
		}
		sn.seconds = time.Since(t0).Seconds()
		if err := s.store(ctx, year, sn); err != nil {
			return nil, err
		}
		return sn, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*snapshot), nil
}

// ticketState reads the state of the tickets year's pass reads (the year
// and window days before it).
func (r *Reader) ticketState(ctx context.Context, year int) (ticketState, error) {
	from := time.Date(year-1, 1, 1, 0, 0, 0, 0, r.loc).Add(-r.settings.Window).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, r.loc).UTC()
	var st ticketState
	err := r.conn.QueryRow(ctx, "SELECT count(), sum(cityHash64(source, record_key, source_time, deleted)), max(time) FROM "+
		r.db+".hotline_ticket_current WHERE "+r.timeRange(from, to)).Scan(&st.rows, &st.hash, &st.until)
	if err != nil {
		return ticketState{}, fmt.Errorf("cannot read the state of the hotline tickets: %w", err)
	}
	return st, nil
}

const snapshotColumns = "year, config, computed_at, tickets_until, tickets_rows, tickets_hash, seconds, community, case_year, kind, cases, calls, resolved, closed, median_days, unmapped_community, unmapped_category, unmapped_tickets, unresolved_tickets"

// store inserts a snapshot of year: one row, the communities' counts as
// parallel arrays (by community, then year, then kind).
func (s *Snapshots) store(ctx context.Context, year int, sn *snapshot) error {
	var (
		community, kind, ucom, ucat             []string
		years                                   []uint16
		cases, calls, resolved, closed, tickets []uint64
		median                                  []float64
		unresolved                              uint64
	)
	for _, code := range sortedCodes(sn.counts) {
		c := sn.counts[code]
		if code == "" {
			unresolved = uint64(c.UnresolvedTickets)
		}
		for _, y := range []int{year - 1, year} {
			m := c.Previous
			if y == year {
				m = c.Current
			}
			kinds := make([]string, 0, len(m))
			for k := range m {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			for _, k := range kinds {
				st := m[k]
				community, years, kind = append(community, code), append(years, uint16(y)), append(kind, k)
				cases, calls = append(cases, uint64(st.Cases)), append(calls, uint64(st.Calls))
				resolved, closed = append(resolved, uint64(st.Resolved)), append(closed, uint64(st.Closed))
				median = append(median, st.MedianDays)
			}
		}
		for _, u := range c.Unmapped {
			ucom, ucat, tickets = append(ucom, code), append(ucat, u.Category), append(tickets, uint64(u.Tickets))
		}
	}
	batch, err := s.r.conn.PrepareBatch(ctx, "INSERT INTO "+s.r.db+".hotline_ranking_snapshot ("+snapshotColumns+")")
	if err != nil {
		return fmt.Errorf("cannot store the hotline counts of %d: %w", year, err)
	}
	defer func() { _ = batch.Abort() }()
	if err := batch.Append(uint16(year), s.config, sn.computedAt, sn.ticketsUntil, sn.tickets.rows, sn.tickets.hash, sn.seconds,
		community, years, kind, cases, calls, resolved, closed, median, ucom, ucat, tickets, unresolved); err != nil {
		return fmt.Errorf("cannot store the hotline counts of %d: %w", year, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot store the hotline counts of %d: %w", year, err)
	}
	return nil
}

func sortedCodes(m map[string]*Counts) []string {
	out := make([]string, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// latest reads the latest snapshot of each year under the current
// configuration (with the counts when full; else the times and the
// tickets' state alone). A year without one is absent from the map.
func (s *Snapshots) latest(ctx context.Context, full bool, years ...int) (map[int]*snapshot, error) {
	ys := make([]string, len(years))
	for i, y := range years {
		ys[i] = strconv.Itoa(y)
	}
	cols := "year, computed_at, tickets_until, tickets_rows, tickets_hash, seconds"
	if full {
		cols += ", community, case_year, kind, cases, calls, resolved, closed, median_days, unmapped_community, unmapped_category, unmapped_tickets, unresolved_tickets"
	}
	// config is 64 hex digits (NewSnapshots checks).
	rows, err := s.r.conn.Query(ctx, "SELECT "+cols+" FROM "+s.r.db+".hotline_ranking_snapshot WHERE year IN ("+strings.Join(ys, ", ")+
		") AND config = '"+s.config+"' ORDER BY computed_at DESC LIMIT 1 BY year")
	if err != nil {
		return nil, fmt.Errorf("cannot read the hotline snapshots: %w", err)
	}
	defer rows.Close()
	out := map[int]*snapshot{}
	for rows.Next() {
		var (
			year                                    uint16
			sn                                      snapshot
			community, kind, ucom, ucat             []string
			years                                   []uint16
			cases, calls, resolved, closed, tickets []uint64
			median                                  []float64
			unresolved                              uint64
		)
		dest := []any{&year, &sn.computedAt, &sn.ticketsUntil, &sn.tickets.rows, &sn.tickets.hash, &sn.seconds}
		if full {
			dest = append(dest, &community, &years, &kind, &cases, &calls, &resolved, &closed, &median, &ucom, &ucat, &tickets, &unresolved)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("cannot read the hotline snapshots: %w", err)
		}
		sn.computedAt = sn.computedAt.UTC()
		if sn.ticketsUntil.Unix() <= 0 {
			sn.ticketsUntil = time.Time{}
		} else {
			sn.ticketsUntil = sn.ticketsUntil.UTC()
		}
		sn.counts = map[string]*Counts{}
		of := func(code string) *Counts {
			c := sn.counts[code]
			if c == nil {
				c = newCounts()
				sn.counts[code] = c
			}
			return c
		}
		n := len(community)
		if len(years) != n || len(kind) != n || len(cases) != n || len(calls) != n || len(resolved) != n || len(closed) != n ||
			len(median) != n || len(ucat) != len(ucom) || len(tickets) != len(ucom) {
			return nil, fmt.Errorf("cannot read the hotline snapshots: arrays of unequal length in %d's of %s", year, sn.computedAt)
		}
		for i, code := range community {
			m := of(code).Previous
			if int(years[i]) == int(year) {
				m = of(code).Current
			}
			m[kind[i]] = hotline.KindStats{Kind: kind[i], Cases: int64(cases[i]), Calls: int64(calls[i]),
				Resolved: int64(resolved[i]), Closed: int64(closed[i]), MedianDays: median[i]}
		}
		for i, code := range ucom { // stored most tickets first
			c := of(code)
			c.Unmapped = append(c.Unmapped, hotline.CategoryCount{Category: ucat[i], Tickets: int64(tickets[i])})
		}
		if full {
			of("").UnresolvedTickets = int64(unresolved)
		}
		out[int(year)] = &sn
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the hotline snapshots: %w", err)
	}
	return out, nil
}

package hotlinedb

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestSnapshotsMatchQuery checks the precomputed counts against the Go
// reference and the read-time query on loadRandomTickets's tickets: each
// year's one pass (CountsByCommunity) gives hotline.GroupCases + Aggregate
// for every community and the district, and every ranking the
// snapshots answer — the first computed on the request, the rest read back
// from hotline_ranking_snapshot — equals Reader.Ranking's but for when it
// was computed.
func TestSnapshotsMatchQuery(t *testing.T) {
	d := loadRandomTickets(t)
	r, err := NewReader(d.conn, d.cfg.Database, d.settings, d.res)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, year := range []int{2025, 2026} {
		from := time.Date(year-1, 1, 1, 0, 0, 0, 0, d.loc).Add(-d.settings.Window)
		to := time.Date(year+1, 1, 1, 0, 0, 0, 0, d.loc)
		var in []hotline.Call
		for _, c := range d.calls {
			if !c.Time.Before(from) && c.Time.Before(to) {
				in = append(in, c)
			}
		}
		cases := hotline.GroupCases(in, d.settings.Window)
		all, err := r.CountsByCommunity(ctx, year)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(d.codes)+1 {
			t.Errorf("%d: counts for %d communities and the district, want %d", year, len(all), len(d.codes)+1)
		}
		for _, community := range append([]string{""}, d.codes...) {
			got := all[community]
			if got == nil {
				t.Errorf("%d community %q: no counts", year, community)
				continue
			}
			for y, m := range map[int]map[string]hotline.KindStats{year: got.Current, year - 1: got.Previous} {
				if want := reference(cases, y, community, d.loc); !sameStats(m, want) {
					t.Errorf("year %d (asked %d) community %q:\n got %v\nwant %v", y, year, community, m, want)
				}
			}
			one, err := r.Counts(ctx, year, community)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Unmapped, one.Unmapped) || got.UnresolvedTickets != one.UnresolvedTickets {
				t.Errorf("%d community %q: unmapped %v unresolved %d, Counts gives %v %d", year, community, got.Unmapped, got.UnresolvedTickets, one.Unmapped, one.UnresolvedTickets)
			}
		}
	}

	snaps, err := NewSnapshots(r, hotline.Fingerprint(d.settings, d.res), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, year := range []int{2025, 2026} {
		for _, community := range append(append([]string{""}, d.codes...), "110105099099") {
			got, err := snaps.Ranking(ctx, year, community)
			if err != nil {
				t.Fatal(err)
			}
			want, err := r.Ranking(ctx, year, community)
			if err != nil {
				t.Fatal(err)
			}
			if got.ComputedAt == nil || got.TicketsUntil == nil {
				t.Errorf("%d %q: computed_at %v, tickets_until %v: want both", year, community, got.ComputedAt, got.TicketsUntil)
			}
			got.ComputedAt, got.TicketsUntil = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%d community %q:\nsnapshot %+v\n   query %+v", year, community, got, want)
			}
		}
	}
	var n uint64
	if err := d.conn.QueryRow(ctx, "SELECT count() FROM `"+d.cfg.Database+"`.hotline_ranking_snapshot").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 { // 2025, 2026: each computed once
		t.Errorf("%d snapshots stored, want 2", n)
	}
}

// TestSnapshotsRefresh: a new ticket shows once the snapshot is older
// than the refresh interval and Refresh runs (not before); a year whose
// tickets did not change is not computed again; a changed configuration
// never reads the old configuration's counts, even newer ones.
func TestSnapshotsRefresh(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const code = "110105026001"
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	ticket := func(id, category string) storetest.Row {
		return storetest.Row{"ticket_id": id, "time": at, "category": category, "source": "hotline", "record_key": id,
			"source_time": at, "status": "open", "ingest_time": at, "community_code": code}
	}
	storetest.Insert(t, conn, cfg, "hotline_ticket", ticket("T1", "停车难"), ticket("T2", "停车难"))

	build := func(c hotline.Config, refresh time.Duration) (*Reader, *Snapshots) {
		t.Helper()
		settings, err := c.Settings()
		if err != nil {
			t.Fatal(err)
		}
		res, err := settings.Resolver(map[string]string{code: "花家地社区"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(conn, cfg.Database, settings, res)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSnapshots(r, hotline.Fingerprint(settings, res), refresh)
		if err != nil {
			t.Fatal(err)
		}
		return r, s
	}
	_, snaps := build(hotline.DefaultConfig(), time.Minute)
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	snaps.Now = func() time.Time { return now }
	top := func(s *Snapshots) (string, int64, time.Time) {
		t.Helper()
		rk, err := s.Ranking(ctx, 2026, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(rk.Problems) == 0 || rk.ComputedAt == nil {
			t.Fatalf("ranking %+v: want a problem and computed_at", rk)
		}
		return rk.Problems[0].Kind, rk.Problems[0].Cases, *rk.ComputedAt
	}
	refresh := func(want bool) {
		t.Helper()
		computed, err := snaps.Refresh(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if computed != want {
			t.Errorf("at %s Refresh computed %v, want %v", now, computed, want)
		}
	}
	if kind, cases, _ := top(snaps); kind != hotline.KindParking || cases != 2 {
		t.Fatalf("first answer (computed on the request): %s %d, want 停车管理 2", kind, cases)
	}
	storetest.Insert(t, conn, cfg, "hotline_ticket", ticket("T3", "乱停车"))
	now = now.Add(30 * time.Second)
	refresh(false) // younger than the refresh interval
	if _, cases, _ := top(snaps); cases != 2 {
		t.Errorf("before the refresh: %d cases, want the snapshot's 2", cases)
	}
	now = now.Add(time.Minute)
	refresh(true)
	_, cases, computedAt := top(snaps)
	if cases != 3 || !computedAt.Equal(now.Truncate(time.Second)) {
		t.Errorf("after the refresh: %d cases computed at %s, want 3 at %s", cases, computedAt, now)
	}
	now = now.Add(2 * time.Minute)
	refresh(false) // tickets unchanged

	// Another configuration: 停车难 and 乱停车 are 物业管理 now. Its
	// counts are computed for it, though the old configuration's are newer.
	c := hotline.DefaultConfig()
	c.Categories = map[string]string{"停车难": hotline.KindProperty, "乱停车": hotline.KindProperty}
	_, other := build(c, time.Minute)
	other.Now = func() time.Time { return now.Add(-time.Hour) }
	if kind, cases, _ := top(other); kind != hotline.KindProperty || cases != 3 {
		t.Errorf("new configuration: %s %d, want 物业管理 3", kind, cases)
	}
	if kind, _, _ := top(snaps); kind != hotline.KindParking {
		t.Errorf("old configuration reads %s, want its own 停车管理", kind)
	}

	// The background refresh (Run; refresh 1s, the real clock, 2026 an
	// asked year) shows a new ticket by itself.
	_, bg := build(hotline.DefaultConfig(), time.Second)
	if _, cases, _ := top(bg); cases != 3 {
		t.Fatalf("background snapshots: %d cases, want 3", cases)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- bg.Run(runCtx, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	storetest.Insert(t, conn, cfg, "hotline_ticket", ticket("T4", "停车难"))
	for cases := int64(0); cases != 4; {
		if ctx.Err() != nil {
			t.Fatalf("the background refresh never showed the 4th ticket (%d cases)", cases)
		}
		time.Sleep(200 * time.Millisecond)
		_, cases, _ = top(bg)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/hotline/hotlinedb"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Hotline is the hotline part's figures over a synthetic district of
// HotlineTickets per year: what the API's endpoints answer with
// (hotlinedb.Snapshots.Ranking: a point read of the precomputed counts),
// the background computation behind it (one pass for every community and
// the district, stored), the check that decides whether to compute again,
// and the read-time query (hotlinedb.Reader.Ranking), beside the floor of
// one GROUP BY over the same rows in the same run.
type Hotline struct {
	TicketsPerYear int64 `json:"tickets_per_year"`
	TicketsRead    int64 `json:"tickets_read"` // the two years a ranking reads (change vs previous year)
	Communities    int   `json:"communities"`
	Repeats        int   `json:"repeats"`
	// Milliseconds per answer, median and max over Repeats.
	DistrictP50Ms  float64 `json:"district_p50_ms"`
	DistrictMaxMs  float64 `json:"district_max_ms"`
	CommunityP50Ms float64 `json:"community_p50_ms"`
	CommunityMaxMs float64 `json:"community_max_ms"`
	// FloorP50Ms: SELECT category, count() … GROUP BY category over the
	// same two years — the least any ranking reads.
	FloorP50Ms      float64 `json:"floor_p50_ms"`
	DistrictVsFloor float64 `json:"district_vs_floor"`
	Cases           int64   `json:"cases"` // district cases of the year, as a check of the answer
	GenerateSeconds float64 `json:"generate_seconds"`
	// The endpoints' path: milliseconds per answer from the stored
	// snapshot, median and max over SnapshotRepeats, district-wide and for
	// one community (the same community as above).
	SnapshotRepeats        int     `json:"snapshot_repeats"`
	SnapshotDistrictP50Ms  float64 `json:"snapshot_district_p50_ms"`
	SnapshotDistrictMaxMs  float64 `json:"snapshot_district_max_ms"`
	SnapshotCommunityP50Ms float64 `json:"snapshot_community_p50_ms"`
	SnapshotCommunityMaxMs float64 `json:"snapshot_community_max_ms"`
	// ComputeSeconds: one computation of the year's snapshot (every
	// community and the district in one pass, then stored), as the
	// background refresh runs it.
	ComputeSeconds float64 `json:"compute_seconds"`
	// RefreshCheckMs: a refresh that finds the tickets unchanged (the
	// latest snapshot's state against the tickets' count and hash).
	RefreshCheckMs float64 `json:"refresh_check_ms"`
}

const (
	hotlineYear        = 2026
	hotlineCommunities = 60
	hotlineRepeats     = 3
	snapshotRepeats    = 20
)

// hotlineTickets is the district-year size the issue names.
var hotlineTickets int64 = 1_000_000

// hotline generates HotlineTickets tickets in each of two years straight
// into a fresh database (INSERT … SELECT FROM numbers: 20 categories of
// department wording including unmapped ones, 60 communities of which 8 %
// of tickets name only the area and 2 % only the address, a caller pool
// that repeats, case ids on a fifth, two thirds closed, winter heating and
// summer noise), then times the ranking district-wide and for one
// community as the endpoints answer it (from the precomputed snapshot,
// after one computation, timed) and as the read-time query, and the floor.
func (r *run) hotline(ctx context.Context) error {
	o := r.o
	ch := clickhouseConfig(r.chAddr, "bench_"+r.id+"_hotline")
	r.dbs = append(r.dbs, ch.Database, ch.AnalyticsDatabase)
	if err := migrate(ctx, ch); err != nil {
		return err
	}
	conn, err := store.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	h := &Hotline{TicketsPerYear: hotlineTickets, TicketsRead: 2 * hotlineTickets, Communities: hotlineCommunities, Repeats: hotlineRepeats}
	o.logf("hotline: generating %d tickets in each of %d and %d", hotlineTickets, hotlineYear-1, hotlineYear)
	start := time.Now()
	db := store.QuoteIdent(ch.Database)
	// The analytics copy is not part of the ranking; drop its view so the
	// insert measures nothing but the profile table.
	if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+db+".analytics_hotline_ticket_mv"); err != nil {
		return fmt.Errorf("hotline: %w", err)
	}
	gen := fmt.Sprintf(`INSERT INTO %[1]s.hotline_ticket (ticket_id, id_number, time, community_code, area, address, category, summary, status,
    channel, closed_time, satisfaction, case_id, caller, source, record_key, deleted, source_time, ingest_time, pipeline_version)
SELECT concat('T', toString(number)) AS ticket_id, '' AS id_number, t AS time,
    if(h %% 100 < 90, concat('110105', substring(toString(1001 + intDiv(c, 20)), 2), substring(toString(1001 + c %% 20), 2)), '') AS community_code,
    if(h %% 100 >= 90 AND h %% 100 < 98, concat('朝阳区社区', toString(c)), '') AS area,
    if(h %% 100 >= 98, concat('北京市朝阳区某小区', toString(c), '号院'), '') AS address,
    arrayElement(['停车难', '物业服务', '供暖/暖气不热', '垃圾分类', '噪音扰民', '养老服务', '楼道堆物', '加装电梯', '维修资金',
                  '停水', '电动车充电', '邻里纠纷', '树木修剪', '装修垃圾', '政策咨询', '意见建议', '宠物饲养', '其他事项', '物业费', '乱停车'],
        1 + if(toMonth(t) IN (1, 2, 11, 12) AND h %% 4 = 0, 2, intDiv(h, 7) %% 20)) AS category,
    '' AS summary, if(h %% 3 = 0, 'open', 'closed') AS status, '12345' AS channel,
    if(h %% 3 = 0, toDateTime(0), t + 3600 * (1 + h %% 400)) AS closed_time, '' AS satisfaction,
    if(h %% 5 = 0, concat('C', toString(intDiv(number, 3))), '') AS case_id,
    concat('139', substring(toString(100000000 + intDiv(h, 13) %% 400000), 2)) AS caller,
    'hotline' AS source, ticket_id AS record_key, 0 AS deleted, t AS source_time, t AS ingest_time, 'bench' AS pipeline_version
FROM (SELECT number, cityHash64(number) AS h, h %% %[2]d AS c,
             toDateTime(%[3]d + intDiv(number * 63072000, %[4]d)) AS t
      FROM numbers(%[4]d))`, db, hotlineCommunities, time.Date(hotlineYear-1, 1, 1, 0, 0, 0, 0, schema.ChinaTime).Unix(), 2*hotlineTickets)
	if err := conn.Exec(ctx, gen); err != nil {
		return fmt.Errorf("hotline: cannot generate tickets: %w", err)
	}
	if err := conn.Exec(ctx, "OPTIMIZE TABLE "+db+".hotline_ticket_current FINAL"); err != nil {
		return fmt.Errorf("hotline: %w", err)
	}
	h.GenerateSeconds = time.Since(start).Seconds()

	cfg := hotline.DefaultConfig()
	names := map[string]string{}
	for c := range hotlineCommunities {
		code := fmt.Sprintf("110105%03d%03d", 1+c/20, 1+c%20)
		names[code] = fmt.Sprintf("社区%d", c)
	}
	cfg.Places = map[string]string{}
	for c := range hotlineCommunities {
		cfg.Places[fmt.Sprintf("某小区%d号院", c)] = fmt.Sprintf("110105%03d%03d", 1+c/20, 1+c%20)
	}
	settings, err := cfg.Settings()
	if err != nil {
		return err
	}
	res, err := settings.Resolver(names, nil)
	if err != nil {
		return err
	}
	reader, err := hotlinedb.NewReader(conn, ch.Database, settings, res)
	if err != nil {
		return err
	}
	// timeN runs f n times and returns each run's milliseconds, sorted.
	timeN := func(n int, what string, f func() error) ([]float64, error) {
		var ms []float64
		for range n {
			t0 := time.Now()
			if err := f(); err != nil {
				return nil, fmt.Errorf("hotline: %s: %w", what, err)
			}
			ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(ms)
		return ms, nil
	}
	timeIt := func(what string, f func() error) ([]float64, error) { return timeN(hotlineRepeats, what, f) }
	o.logf("hotline: ranking district-wide and for one community, %d times each, and the floor", hotlineRepeats)
	from := time.Date(hotlineYear-1, 1, 1, 0, 0, 0, 0, schema.ChinaTime).Add(-settings.Window).Unix()
	to := time.Date(hotlineYear+1, 1, 1, 0, 0, 0, 0, schema.ChinaTime).Unix()
	floor, err := timeIt("floor", func() error {
		rows, err := conn.Query(ctx, fmt.Sprintf("SELECT category, count() FROM %s.hotline_ticket_current WHERE time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY category", db, from, to))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	district, err := timeIt("district", func() error {
		rk, err := reader.Ranking(ctx, hotlineYear, "")
		if err == nil {
			h.Cases = rk.Cases
		}
		return err
	})
	if err != nil {
		return err
	}
	community, err := timeIt("community", func() error {
		_, err := reader.Ranking(ctx, hotlineYear, "110105001001")
		return err
	})
	if err != nil {
		return err
	}
	snaps, err := hotlinedb.NewSnapshots(reader, hotline.Fingerprint(settings, res), settings.Refresh)
	if err != nil {
		return err
	}
	o.logf("hotline: computing the snapshot of %d (every community and the district, one pass) and reading it %d times each", hotlineYear, snapshotRepeats)
	t0 := time.Now()
	rk, err := snaps.Ranking(ctx, hotlineYear, "") // no snapshot yet: computed, stored, answered
	if err != nil {
		return fmt.Errorf("hotline: snapshot: %w", err)
	}
	h.ComputeSeconds = time.Since(t0).Seconds()
	if rk.Cases != h.Cases {
		return fmt.Errorf("hotline: the snapshot counts %d district cases, the read-time query %d", rk.Cases, h.Cases)
	}
	timeMany := func(what string, f func() error) ([]float64, error) { return timeN(snapshotRepeats, what, f) }
	snapDistrict, err := timeMany("snapshot district", func() error {
		_, err := snaps.Ranking(ctx, hotlineYear, "")
		return err
	})
	if err != nil {
		return err
	}
	snapCommunity, err := timeMany("snapshot community", func() error {
		_, err := snaps.Ranking(ctx, hotlineYear, "110105001001")
		return err
	})
	if err != nil {
		return err
	}
	later := time.Now().Add(settings.Refresh + time.Minute)
	snaps.Now = func() time.Time { return later }
	t0 = time.Now()
	computed, err := snaps.Refresh(ctx, hotlineYear)
	if err != nil {
		return fmt.Errorf("hotline: refresh check: %w", err)
	}
	if computed {
		return fmt.Errorf("hotline: the refresh computed again though no ticket changed")
	}
	h.RefreshCheckMs = float64(time.Since(t0).Microseconds()) / 1000
	h.SnapshotRepeats = snapshotRepeats
	h.SnapshotDistrictP50Ms, h.SnapshotDistrictMaxMs = snapDistrict[len(snapDistrict)/2], snapDistrict[len(snapDistrict)-1]
	h.SnapshotCommunityP50Ms, h.SnapshotCommunityMaxMs = snapCommunity[len(snapCommunity)/2], snapCommunity[len(snapCommunity)-1]
	h.FloorP50Ms = floor[len(floor)/2]
	h.DistrictP50Ms, h.DistrictMaxMs = district[len(district)/2], district[len(district)-1]
	h.CommunityP50Ms, h.CommunityMaxMs = community[len(community)/2], community[len(community)-1]
	if h.FloorP50Ms > 0 {
		h.DistrictVsFloor = h.DistrictP50Ms / h.FloorP50Ms
	}
	r.res.Hotline = h
	return nil
}

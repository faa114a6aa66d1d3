package hotlinedb

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestCountsMatchGroupCases loads random tickets of three years into a real
// ClickHouse (loadRandomTickets) and checks that the SQL aggregation gives
// exactly what the Go reference (hotline.GroupCases + Aggregate over the
// current versions) gives, for every community and the district, this year
// and the previous.
func TestCountsMatchGroupCases(t *testing.T) {
	d := loadRandomTickets(t)
	conn, cfg, settings, res, loc, calls, codes := d.conn, d.cfg, d.settings, d.res, d.loc, d.calls, d.codes
	r, err := NewReader(conn, cfg.Database, settings, res)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, year := range []int{2025, 2026} {
		from := time.Date(year-1, 1, 1, 0, 0, 0, 0, loc).Add(-settings.Window)
		to := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
		var in []hotline.Call
		for _, c := range calls {
			if !c.Time.Before(from) && c.Time.Before(to) {
				in = append(in, c)
			}
		}
		cases := hotline.GroupCases(in, settings.Window)
		for _, community := range append([]string{""}, codes...) {
			got, err := r.Counts(ctx, year, community)
			if err != nil {
				t.Fatal(err)
			}
			for y, m := range map[int]map[string]hotline.KindStats{year: got.Current, year - 1: got.Previous} {
				want := reference(cases, y, community, loc)
				if !sameStats(m, want) {
					t.Errorf("year %d (asked %d) community %q:\n got %v\nwant %v", y, year, community, m, want)
				}
			}
			if len(got.Current) == 0 {
				t.Errorf("year %d community %q: no counts", year, community)
			}
		}
	}
	rk, err := r.Ranking(ctx, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	if rk.Unmapped.Cases == 0 || len(rk.Unmapped.Categories) != 2 || rk.UnresolvedTickets == 0 {
		t.Errorf("district ranking: unmapped %+v, unresolved %d: want 2 unmapped categories and some unresolved tickets", rk.Unmapped, rk.UnresolvedTickets)
	}
}

// reference is hotline.Aggregate of cases for year and community, as the
// SQL counts it: unmapped categories' cases without a median.
func reference(cases []hotline.Case, year int, community string, loc *time.Location) map[string]hotline.KindStats {
	want := hotline.Aggregate(cases, year, community, loc)
	if u, ok := want[""]; ok {
		u.Closed, u.MedianDays = 0, 0
		want[""] = u
	}
	return want
}

// randomTickets are the tickets loadRandomTickets stored and the calls the
// Go reference groups.
type randomTickets struct {
	conn     driver.Conn
	cfg      config.ClickHouse
	settings *hotline.Settings
	res      *hotline.Resolver
	loc      *time.Location
	calls    []hotline.Call // the current, not deleted versions
	codes    []string       // the communities
}

// loadRandomTickets stores random tickets of 2024 (from November) to 2026
// in a fresh database — repeated calls by one caller within and beyond the
// window, shared case ids, anonymous tickets, area- and address-only
// tickets, unmapped categories, later versions that close or delete a
// ticket — shuffled in several inserts, so later versions and later calls
// often arrive first; four calls test the window's edge.
func loadRandomTickets(t *testing.T) *randomTickets {
	conn, cfg := storetest.New(t)
	settings, err := hotline.DefaultConfig().Settings()
	if err != nil {
		t.Fatal(err)
	}
	communities := map[string]string{"110105026001": "花家地社区", "110105026002": "望京西园社区", "110105001001": "建外社区"}
	res, err := hotline.NewResolver(communities, nil, map[string]string{"望京花园小区": "110105026002"})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	rng := rand.New(rand.NewPCG(14, 2026))
	codes := []string{"110105026001", "110105026002", "110105001001"}
	categories := []string{"停车难", "物业服务", "供暖/暖气不热", "垃圾分类", "噪音扰民", "养老服务", "其他杂项", "宠物饲养"}
	var rows []storetest.Row
	var calls []hotline.Call
	start := time.Date(2024, 11, 1, 0, 0, 0, 0, loc)
	for i := range 3000 {
		at := start.Add(time.Duration(rng.Int64N(int64(26 * 30 * 24 * time.Hour)))).Truncate(time.Second).UTC()
		cat := categories[rng.IntN(len(categories))]
		code := codes[rng.IntN(len(codes))]
		row := storetest.Row{"ticket_id": fmt.Sprint("T", i), "time": at, "category": cat, "source": "hotline",
			"record_key": fmt.Sprint("T", i), "source_time": at, "status": "open", "ingest_time": at}
		community := code
		switch rng.IntN(10) {
		case 0:
			row["area"] = "朝阳区望京街道" + communities[code]
		case 1:
			row["address"] = "北京市朝阳区望京花园小区3号楼"
			community = "110105026002"
		case 2:
			row["address"] = "某处无名地址"
			community = ""
		default:
			row["community_code"] = code
		}
		switch rng.IntN(4) {
		case 0: // anonymous
		case 1:
			row["case_id"] = fmt.Sprint("C", rng.IntN(300))
		default:
			row["caller"] = fmt.Sprint("1380000", 1000+rng.IntN(400))
		}
		status, closed := "open", time.Time{}
		if rng.IntN(3) > 0 { // a later version closes it
			status, closed = "closed", at.Add(time.Duration(rng.Int64N(int64(40*24*time.Hour)))).Truncate(time.Second)
			v := storetest.Row{}
			for k, x := range row {
				v[k] = x
			}
			v["status"], v["closed_time"], v["source_time"] = "closed", closed, closed
			rows = append(rows, v)
		}
		deleted := rng.IntN(40) == 0
		if deleted {
			v := storetest.Row{}
			for k, x := range row {
				v[k] = x
			}
			v["deleted"], v["source_time"] = uint8(1), at.Add(100*24*time.Hour)
			rows = append(rows, v)
		}
		rows = append(rows, row)
		if deleted {
			continue
		}
		kind, _ := settings.Taxonomy.Kind(cat)
		c := hotline.Call{Source: "hotline", RecordKey: fmt.Sprint("T", i), Community: community, Kind: kind, Category: cat,
			Time: at, Status: status, ClosedTime: closed}
		if s, ok := row["case_id"].(string); ok {
			c.CaseID = s
		}
		if s, ok := row["caller"].(string); ok {
			c.Caller = s
		}
		calls = append(calls, c)
	}
	// Calls by one caller at the window's edge: a gap of exactly the
	// window continues the case, one second more opens a new one; the
	// latest call closes the second case.
	edge := time.Date(2025, 3, 1, 9, 0, 0, 0, loc).UTC()
	for i, at := range []time.Time{edge, edge.Add(settings.Window), edge.Add(2*settings.Window + time.Second), edge.Add(2*settings.Window + 2*time.Second)} {
		id := fmt.Sprint("E", i)
		status, closed := "open", time.Time{}
		if i == 3 {
			status, closed = "closed", at.Add(36*time.Hour)
		}
		row := storetest.Row{"ticket_id": id, "time": at, "category": "停车难", "source": "hotline", "record_key": id,
			"source_time": at, "status": status, "ingest_time": at, "community_code": codes[0], "caller": "13900009999"}
		if !closed.IsZero() {
			row["closed_time"] = closed
		}
		rows = append(rows, row)
		kind, _ := settings.Taxonomy.Kind("停车难")
		calls = append(calls, hotline.Call{Source: "hotline", RecordKey: id, Community: codes[0], Kind: kind, Category: "停车难",
			Caller: "13900009999", Time: at, Status: status, ClosedTime: closed})
	}
	// Versions arrive in any order and in several inserts (several parts
	// that FINAL collapses): a close or delete may be stored before the
	// version it follows, and calls of one case out of time order.
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	for len(rows) > 0 {
		n := min(len(rows), 1500)
		storetest.Insert(t, conn, cfg, "hotline_ticket", rows[:n]...)
		rows = rows[n:]
	}
	return &randomTickets{conn: conn, cfg: cfg, settings: settings, res: res, loc: loc, calls: calls, codes: codes}
}

func sameStats(a, b map[string]hotline.KindStats) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || x.Cases != y.Cases || x.Calls != y.Calls || x.Resolved != y.Resolved || x.Closed != y.Closed ||
			math.Abs(x.MedianDays-y.MedianDays) > 1e-6 {
			return false
		}
	}
	return true
}

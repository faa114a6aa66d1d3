// Package hotlinedb computes the hotline ranking's per-kind counts in
// ClickHouse: it reads the current version of every hotline_ticket of two
// years, maps categories to kinds and places to communities with tables
// built in Go (package hotline) and passed as external tables, groups
// repeated calls into cases exactly as hotline.GroupCases does, and
// aggregates per year and kind — so a district-year of a million tickets
// is answered without moving the tickets out of ClickHouse. Addresses,
// areas and callers are never in the query text: areas and addresses go
// as external-table data, callers stay inside ClickHouse.
package hotlinedb

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/schema"
)

// Reader answers rankings from one profile database.
type Reader struct {
	conn     driver.Conn
	db       string // quoted
	settings *hotline.Settings
	resolver *hotline.Resolver
	loc      *time.Location
}

// NewReader reads from database db (the profile database) over conn.
func NewReader(conn driver.Conn, db string, s *hotline.Settings, r *hotline.Resolver) (*Reader, error) {
	return &Reader{conn: conn, db: "`" + strings.ReplaceAll(db, "`", "") + "`", settings: s, resolver: r, loc: schema.ChinaTime}, nil
}

// Counts are the per-kind statistics of a year and the year before, and the
// unmapped categories of the year.
type Counts struct {
	Current, Previous map[string]hotline.KindStats
	Unmapped          []hotline.CategoryCount // categories of the year's unmapped cases, by tickets
	UnresolvedTickets int64                   // the year's tickets in cases without a community
}

// Counts aggregates the cases opened in year and year−1 (China Standard
// Time) in community (12 digits), or the whole district when community is
// "", with the calls received up to the end of year. Tickets from window
// days before year−1 are read so a case begun then is not counted again. Errors: "cannot read hotline counts: …".
func (r *Reader) Counts(ctx context.Context, year int, community string) (*Counts, error) {
	if community != "" && (len(community) != 12 || strings.Trim(community, "0123456789") != "") {
		return nil, fmt.Errorf("cannot read hotline counts: community %q is not a 12-digit code", community)
	}
	from := time.Date(year-1, 1, 1, 0, 0, 0, 0, r.loc).Add(-r.settings.Window).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, r.loc).UTC()
	kinds, places, err := r.tables(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("cannot read hotline counts: %w", err)
	}
	out := &Counts{Current: map[string]hotline.KindStats{}, Previous: map[string]hotline.KindStats{}, Unmapped: []hotline.CategoryCount{}}
	if kinds.Block().Rows() == 0 {
		return out, nil // no tickets in the two years
	}
	q := r.query(from, to, year, community)
	rows, err := r.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(kinds, places)), q)
	if err != nil {
		return nil, fmt.Errorf("cannot read hotline counts: %w", err)
	}
	defer rows.Close()
	unmapped := map[string]int64{}
	for rows.Next() {
		var (
			y                                   uint16
			kind, ucat                          string
			cases, calls, resolved, closed, unr uint64
			median                              float64
		)
		if err := rows.Scan(&y, &kind, &ucat, &cases, &calls, &resolved, &closed, &median, &unr); err != nil {
			return nil, fmt.Errorf("cannot read hotline counts: %w", err)
		}
		m := out.Previous
		if int(y) == year {
			m = out.Current
			out.UnresolvedTickets += int64(unr)
			if kind == "" {
				unmapped[ucat] += int64(calls)
			}
		}
		s := m[kind]
		s.Kind = kind
		s.Cases += int64(cases)
		s.Calls += int64(calls)
		s.Resolved += int64(resolved)
		if kind != "" { // one row per (year, kind) for mapped kinds
			s.Closed, s.MedianDays = int64(closed), median
		}
		m[kind] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read hotline counts: %w", err)
	}
	for c, n := range unmapped {
		out.Unmapped = append(out.Unmapped, hotline.CategoryCount{Category: c, Tickets: n})
	}
	sort.Slice(out.Unmapped, func(i, j int) bool {
		a, b := out.Unmapped[i], out.Unmapped[j]
		if a.Tickets != b.Tickets {
			return a.Tickets > b.Tickets
		}
		return a.Category < b.Category
	})
	return out, nil
}

// Ranking is Counts ranked (hotline.Rank), with the unmapped categories.
func (r *Reader) Ranking(ctx context.Context, year int, community string) (*hotline.Ranking, error) {
	c, err := r.Counts(ctx, year, community)
	if err != nil {
		return nil, err
	}
	rk := hotline.Rank(year, c.Current, c.Previous, r.settings.Committees)
	rk.Community.Code = community
	rk.Unmapped.Categories = c.Unmapped
	if rk.Unmapped.Categories == nil {
		rk.Unmapped.Categories = []hotline.CategoryCount{}
	}
	if community == "" {
		rk.UnresolvedTickets = c.UnresolvedTickets
	}
	rk.CaseWindowDays = int(r.settings.Window / (24 * time.Hour))
	return &rk, nil
}

func (r *Reader) timeRange(from, to time.Time) string {
	return fmt.Sprintf("time >= toDateTime(%d) AND time < toDateTime(%d)", from.Unix(), to.Unix())
}

// tables reads the distinct categories and the distinct (area, address)
// of tickets without a community code in [from, to), and maps them in Go:
// _kinds (category, kind, ckey), _places (area, address, community).
func (r *Reader) tables(ctx context.Context, from, to time.Time) (*ext.Table, *ext.Table, error) {
	kinds, err := ext.NewTable("_kinds", ext.Column("category", "String"), ext.Column("kind", "String"), ext.Column("ckey", "String"))
	if err != nil {
		return nil, nil, err
	}
	rows, err := r.conn.Query(ctx, "SELECT DISTINCT category FROM "+r.db+".hotline_ticket_current WHERE "+r.timeRange(from, to))
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, nil, err
		}
		k, _ := r.settings.Taxonomy.Kind(c)
		if err := kinds.Append(c, k, hotline.CategoryKey(c)); err != nil {
			rows.Close()
			return nil, nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	places, err := ext.NewTable("_places", ext.Column("area", "String"), ext.Column("address", "String"), ext.Column("community", "String"))
	if err != nil {
		return nil, nil, err
	}
	rows, err = r.conn.Query(ctx, "SELECT DISTINCT area, address FROM "+r.db+".hotline_ticket_current WHERE length(community_code) != 12 AND "+r.timeRange(from, to))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// One row that matches no ticket (a NUL is never stored), so the
	// external table is never empty.
	if err := places.Append("\x00", "\x00", ""); err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var area, address string
		if err := rows.Scan(&area, &address); err != nil {
			return nil, nil, err
		}
		if c, _ := r.resolver.Resolve("", area, address); c != "" {
			if err := places.Append(area, address, c); err != nil {
				return nil, nil, err
			}
		}
	}
	return kinds, places, rows.Err()
}

// query is the aggregation. Levels, inside out: the current version of each
// ticket (hotline_ticket_current FINAL, migration 0091); its community and
// kind (external tables); its group key (hotline.Call.GroupKey, hashed to
// 64 bits). Tickets whose group may hold more than one (a case id or a
// caller with another ticket of the kind; found by a first pass over a key
// without the community) are gathered per group in time order and split
// into cases where the gap to the previous call exceeds the window
// (hotline.GroupCases), one row per case with its first call, calls, last
// status and closed time; every other ticket is a case alone, without
// building a group. Then per (year, kind, unmapped category) the counts and
// the exact median of the days to close.
func (r *Reader) query(from, to time.Time, year int, community string) string {
	where := ""
	if community != "" {
		where = "community = '" + community + "' AND" // 12 digits, checked by Counts
	}
	rng := r.timeRange(from, to)
	// tickets: one row per current ticket with its group key (grp), whether
	// its group is split by the window, and mk, a key of a superset of its
	// group without the community (0: a group of one by construction).
	tickets := fmt.Sprintf(`
            SELECT multiIf(case_id != '', cityHash64('c', case_id),
                           caller != '', cityHash64('p', caller, if(kind != '', kind, concat('?', ckey)), community),
                           cityHash64('t', source, record_key)) AS grp,
                multiIf(case_id != '', cityHash64('c', case_id), caller != '', cityHash64('p', caller, if(kind != '', kind, concat('?', ckey))), toUInt64(0)) AS mk,
                case_id = '' AND caller != '' AS windowed,
                t, community, kind, if(kind = '', category, '') AS ucat, status, closed
            FROM (
                SELECT source, record_key, t, if(length(code) = 12, code, pc) AS community, category, status, closed, case_id, caller
                FROM (
                    SELECT source, record_key, time AS t, community_code AS code, area, address, category, status,
                        closed_time AS closed, case_id, caller
                    FROM %[1]s.hotline_ticket_current FINAL
                    WHERE deleted = 0 AND %[2]s
                ) ANY LEFT JOIN (SELECT area, address, community AS pc FROM _places) USING (area, address)
            ) ANY LEFT JOIN (SELECT category, kind, ckey FROM _kinds) USING (category)`, r.db, rng)
	// multi: the superset keys with more than one ticket; only their
	// groups are gathered into arrays, every other ticket is a case alone.
	multi := fmt.Sprintf(`(
            SELECT mk FROM (
                SELECT multiIf(case_id != '', cityHash64('c', case_id), caller != '', cityHash64('p', caller, if(kind != '', kind, concat('?', ckey))), toUInt64(0)) AS mk
                FROM (
                    SELECT category, case_id, caller FROM %[1]s.hotline_ticket_current FINAL
                    WHERE deleted = 0 AND %[2]s
                ) ANY LEFT JOIN (SELECT category, kind, ckey FROM _kinds) USING (category)
            )
            WHERE mk != 0 GROUP BY mk HAVING count() > 1)`, r.db, rng)
	return fmt.Sprintf(`
SELECT y, kind, ucat, n_cases, n_calls, n_resolved, n_closed, median, unresolved FROM (
SELECT toYear(opened, 'Asia/Shanghai') AS y, kind, ucat, count() AS n_cases, sum(calls) AS n_calls, sum(resolved) AS n_resolved,
    arraySort(groupArrayIf(days, known)) AS ds, length(ds) AS n_closed,
    if(n_closed = 0, 0., (ds[intDiv(n_closed + 1, 2)] + ds[intDiv(n_closed, 2) + 1]) / 2) AS median,
    sumIf(calls, community = '') AS unresolved
FROM (
    SELECT opened, community, kind, ucat, calls, resolved, resolved AND toUInt32(closed_at) > 0 AS known,
        greatest(toInt64(closed_at) - toInt64(opened), 0) / 86400 AS days
    FROM (
        SELECT cs[first].1 AS opened, cs[first].2 AS community, cs[first].3 AS kind, cs[first].4 AS ucat,
            toUInt64(last - first + 1) AS calls, toUInt8(cs[last].5 = 'closed') AS resolved, cs[last].6 AS closed_at
        FROM (
            SELECT cs, toUInt64(starts[j]) AS first, if(j < length(starts), toUInt64(starts[j + 1] - 1), length(cs)) AS last
            FROM (
                SELECT grp, any(windowed) AS w,
                    arraySort(x -> x.1, groupArray((t, community, kind, ucat, status, closed))) AS cs,
                    if(w, arrayFilter(i -> i = 1 OR toInt64(cs[i].1) - toInt64(cs[i - 1].1) > %[1]d, arrayEnumerate(cs)), [1]) AS starts
                FROM (%[2]s)
                WHERE mk IN %[3]s
                GROUP BY grp
            )
            ARRAY JOIN arrayEnumerate(starts) AS j
        )
        UNION ALL
        SELECT t AS opened, community, kind, ucat, toUInt64(1) AS calls, toUInt8(status = 'closed') AS resolved, closed AS closed_at
        FROM (%[2]s)
        WHERE NOT (mk IN %[3]s)
    )
)
WHERE %[4]s y IN (%[5]d, %[6]d)
GROUP BY y, kind, ucat
)
ORDER BY y, kind, ucat`, int64(r.settings.Window/time.Second), tickets, multi, where, year-1, year)
}

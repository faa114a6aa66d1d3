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
	"strconv"
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
// days before year−1 are read so a case begun then is not counted again.
// Errors: "cannot read hotline counts: …".
func (r *Reader) Counts(ctx context.Context, year int, community string) (*Counts, error) {
	if community != "" && (len(community) != 12 || strings.Trim(community, "0123456789") != "") {
		return nil, fmt.Errorf("cannot read hotline counts: community %q is not a 12-digit code", community)
	}
	all, err := r.counts(ctx, year, community, false)
	if err != nil {
		return nil, fmt.Errorf("cannot read hotline counts: %w", err)
	}
	if c := all[""]; c != nil {
		return c, nil
	}
	return newCounts(), nil
}

// CountsByCommunity is Counts(year, c) for every community c (12-digit
// code) with a case in year or year−1 and for the district (""), in one
// pass over the tickets: the grouping of Counts, each case counted under
// the community of its first call and once more for the district. Errors:
// "cannot count the hotline cases of <year> by community: …".
func (r *Reader) CountsByCommunity(ctx context.Context, year int) (map[string]*Counts, error) {
	all, err := r.counts(ctx, year, "", true)
	if err != nil {
		return nil, fmt.Errorf("cannot count the hotline cases of %d by community: %w", year, err)
	}
	return all, nil
}

func newCounts() *Counts {
	return &Counts{Current: map[string]hotline.KindStats{}, Previous: map[string]hotline.KindStats{}, Unmapped: []hotline.CategoryCount{}}
}

// counts runs query and gathers its rows by community: the district (or,
// for one community, that community) under "", others under their code.
func (r *Reader) counts(ctx context.Context, year int, community string, perCommunity bool) (map[string]*Counts, error) {
	from := time.Date(year-1, 1, 1, 0, 0, 0, 0, r.loc).Add(-r.settings.Window).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, r.loc).UTC()
	m, err := r.tables(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := map[string]*Counts{}
	if m.kindsTable.Block().Rows() == 0 {
		return out, nil // no tickets in the two years
	}
	q := r.query(from, to, []int{year - 1, year}, community, perCommunity)
	rows, err := r.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(m.kindsTable, m.placesTable)), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	unmapped := map[string]map[string]int64{}
	for rows.Next() {
		var (
			y, kid, catid                            uint16
			cid, cases, calls, resolved, closed, unr uint64
			median                                   float64
		)
		if err := rows.Scan(&y, &cid, &kid, &catid, &cases, &calls, &resolved, &closed, &median, &unr); err != nil {
			return nil, err
		}
		if int(kid) >= len(m.kinds) || int(catid) >= len(m.categories) {
			return nil, fmt.Errorf("kind %d or category %d out of range", kid, catid)
		}
		code := ""
		switch {
		case cid == 0:
			continue // a case without a community: counted for the district
		case cid != districtID:
			code = fmt.Sprintf("%012d", cid)
		}
		c := out[code]
		if c == nil {
			c = newCounts()
			out[code] = c
			unmapped[code] = map[string]int64{}
		}
		kind, ucat := m.kinds[kid], m.categories[catid]
		st := c.Previous
		if int(y) == year {
			st = c.Current
			if code == "" {
				c.UnresolvedTickets += int64(unr)
			}
			if kind == "" {
				unmapped[code][ucat] += int64(calls)
			}
		}
		s := st[kind]
		s.Kind = kind
		s.Cases += int64(cases)
		s.Calls += int64(calls)
		s.Resolved += int64(resolved)
		if kind != "" { // one row per (year, community, kind) for mapped kinds
			s.Closed, s.MedianDays = int64(closed), median
		}
		st[kind] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for code, u := range unmapped {
		out[code].Unmapped = unmappedList(u)
	}
	return out, nil
}

// unmappedList is the unmapped categories and their tickets, most tickets
// first (then by category).
func unmappedList(m map[string]int64) []hotline.CategoryCount {
	out := []hotline.CategoryCount{}
	for c, n := range m {
		out = append(out, hotline.CategoryCount{Category: c, Tickets: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Tickets != b.Tickets {
			return a.Tickets > b.Tickets
		}
		return a.Category < b.Category
	})
	return out
}

// Ranking is Counts ranked (hotline.Rank), with the unmapped categories.
func (r *Reader) Ranking(ctx context.Context, year int, community string) (*hotline.Ranking, error) {
	c, err := r.Counts(ctx, year, community)
	if err != nil {
		return nil, err
	}
	return r.rank(year, community, c), nil
}

// rank ranks a community's (or, "", the district's) counts of year.
func (r *Reader) rank(year int, community string, c *Counts) *hotline.Ranking {
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
	return &rk
}

func (r *Reader) timeRange(from, to time.Time) string {
	return fmt.Sprintf("time >= toDateTime(%d) AND time < toDateTime(%d)", from.Unix(), to.Unix())
}

// maps are the taxonomy and the place mapping of the tickets a query
// reads, as external tables keyed by number so the aggregation groups
// numbers, not strings: _kinds (category, kid, ckid, catid) and _places
// (area, address, community as a UInt64).
type maps struct {
	kindsTable, placesTable *ext.Table
	// kinds[kid] is a kind (kinds[0] = "": unmapped); categories[catid] an
	// unmapped category (categories[0] = "": a mapped one).
	kinds, categories []string
}

// tables reads the distinct categories and the distinct (area, address)
// of tickets without a community code in [from, to), and maps them in Go
// (package hotline): each category to its kind's number kid (0: unmapped),
// and, when unmapped, to the number ckid of its CategoryKey (the group key
// of an unmapped call) and its own number catid; each (area, address) to
// its community.
func (r *Reader) tables(ctx context.Context, from, to time.Time) (*maps, error) {
	m := &maps{kinds: []string{""}, categories: []string{""}}
	var err error
	m.kindsTable, err = ext.NewTable("_kinds", ext.Column("category", "String"), ext.Column("kid", "UInt16"),
		ext.Column("ckid", "UInt16"), ext.Column("catid", "UInt16"))
	if err != nil {
		return nil, err
	}
	rows, err := r.conn.Query(ctx, "SELECT DISTINCT category FROM "+r.db+".hotline_ticket_current WHERE "+r.timeRange(from, to))
	if err != nil {
		return nil, err
	}
	kid, ckid := map[string]uint16{"": 0}, map[string]uint16{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		k, _ := r.settings.Taxonomy.Kind(c)
		if _, ok := kid[k]; !ok {
			kid[k] = uint16(len(m.kinds))
			m.kinds = append(m.kinds, k)
		}
		var ck, cat uint16
		if k == "" {
			key := hotline.CategoryKey(c)
			if _, ok := ckid[key]; !ok {
				ckid[key] = uint16(len(ckid) + 1)
			}
			ck, cat = ckid[key], uint16(len(m.categories))
			m.categories = append(m.categories, c)
		}
		if len(m.categories) > 65535 {
			rows.Close()
			return nil, fmt.Errorf("more than 65535 unmapped categories")
		}
		if err := m.kindsTable.Append(c, kid[k], ck, cat); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m.placesTable, err = ext.NewTable("_places", ext.Column("area", "String"), ext.Column("address", "String"), ext.Column("community", "UInt64"))
	if err != nil {
		return nil, err
	}
	rows, err = r.conn.Query(ctx, "SELECT DISTINCT area, address FROM "+r.db+".hotline_ticket_current WHERE NOT "+isCode+" AND "+r.timeRange(from, to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// One row that matches no ticket (a NUL is never stored), so the
	// external table is never empty.
	if err := m.placesTable.Append("\x00", "\x00", uint64(0)); err != nil {
		return nil, err
	}
	for rows.Next() {
		var area, address string
		if err := rows.Scan(&area, &address); err != nil {
			return nil, err
		}
		if c, _ := r.resolver.Resolve("", area, address); c != "" {
			n, err := strconv.ParseUint(c, 10, 64)
			if err != nil {
				return nil, err
			}
			if err := m.placesTable.Append(area, address, n); err != nil {
				return nil, err
			}
		}
	}
	return m, rows.Err()
}

// districtID is the community number under which a per-community pass
// counts every case again for the district (13 digits: no community's).
const districtID = 10_000_000_000_000

// isCode is true for a ticket whose community_code is a community's
// (12 digits, as hotline.Resolver.Resolve takes it).
const isCode = "match(community_code, '^[0-9]{12}$')"

// query is the aggregation, one pass over the tickets. Levels, inside out:
// the current version of each ticket (hotline_ticket_current FINAL,
// migration 0091); its community and kind (external tables); its group key
// (hotline.Call.GroupKey, hashed to 64 bits). Communities, kinds and
// unmapped categories are numbers (maps) so the grouping moves no strings.
// One GROUP BY over the group
// key gathers each group's calls as columns in time order (ts received,
// rs resolved, cl closed, us unmapped category; most groups hold one call)
// with the group's community and kind taken from its first call. The cases
// of a group are found with array functions that capture no column (a
// lambda that captures one copies it per element): starts marks the calls
// that open a case (the first; in a caller's group also every call more
// than the window after the previous one, hotline.GroupCases), ends the
// calls that close one, and a case's first call, unmapped category, calls,
// resolved flag and closed time are picked out by them and ARRAY JOINed to
// one row per case. Then per (year of the first call, kind, unmapped
// category) the counts and the exact median of the days to close.
//
// With perCommunity (community ""), every case row is counted twice, under
// its community and under districtID, so one pass gives every community's
// counts and the district's (whose medians are over all its cases); c is
// districtID otherwise. years are the case years kept.
func (r *Reader) query(from, to time.Time, years []int, community string, perCommunity bool) string {
	where, only, c := "", "", fmt.Sprintf("toUInt64(%d)", districtID)
	if perCommunity {
		c = fmt.Sprintf("arrayJoin([community, toUInt64(%d)])", districtID)
	}
	ys := make([]string, len(years))
	for i, y := range years {
		ys[i] = strconv.Itoa(y)
	}
	if community != "" {
		// 12 digits, checked by Counts. A case's community is its first
		// call's, and only a case id's group mixes communities, so before
		// grouping only the tickets of the community and of the case ids
		// with a ticket there are kept (any stored version: a superset,
		// the cases of other communities are dropped after grouping).
		where = "community = " + community + " AND"
		only = fmt.Sprintf(`
                WHERE community = %[1]s OR case_id != '' AND case_id IN (
                    SELECT case_id FROM %[2]s.hotline_ticket_current
                    WHERE case_id != '' AND %[3]s AND (community_code = '%[1]s' OR NOT %[4]s AND
                        (area, address) IN (SELECT area, address FROM _places WHERE community = %[1]s)))`,
			community, r.db, r.timeRange(from, to), isCode)
	}
	return fmt.Sprintf(`
SELECT y, c, kind, ucat, n_cases, n_calls, n_resolved, n_closed, median, unresolved FROM (
SELECT y, c, kind, ucat, count() AS n_cases, sum(calls) AS n_calls, sum(resolved) AS n_resolved,
    arraySort(groupArrayIf(days, known)) AS ds, length(ds) AS n_closed,
    if(n_closed = 0, 0., (ds[intDiv(n_closed + 1, 2)] + ds[intDiv(n_closed, 2) + 1]) / 2) AS median,
    sumIf(calls, community = 0) AS unresolved
FROM (
    SELECT toYear(toDateTime(opened), 'Asia/Shanghai') AS y, community, %[8]s AS c, kind, ucat, calls, resolved,
        resolved AND closed_at > 0 AS known,
        greatest(toInt64(closed_at) - toInt64(opened), 0) / 86400 AS days
    FROM (
        SELECT community, kind,
            arrayPushFront(arrayPopFront(arrayMap((t, p) -> toUInt8(toInt64(t) - toInt64(p) > %[1]d), ts, arrayPushFront(arrayPopBack(ts), toUInt32(0)))), toUInt8(1)) AS wstarts,
            if(w, wstarts, arrayPushFront(arrayMap(x -> toUInt8(0), arrayPopFront(ts)), toUInt8(1))) AS starts,
            arrayPushBack(arrayPopFront(starts), toUInt8(1)) AS ends,
            arrayFilter((t, s) -> s, ts, starts) AS a_opened,
            arrayFilter((u, s) -> s, us, starts) AS a_ucat,
            arrayMap((b, e) -> toUInt64(e - b + 1), arrayFilter((i, s) -> s, arrayEnumerate(ts), starts),
                arrayFilter((i, e) -> e, arrayEnumerate(ts), ends)) AS a_calls,
            arrayFilter((x, e) -> e, rs, ends) AS a_resolved,
            arrayFilter((c, e) -> e, cl, ends) AS a_closed
        FROM (
            SELECT any(windowed) AS w, argMin(community, t) AS community, argMin(kind, t) AS kind,
                arraySort(x -> x.1, groupArray((t, res, closed, ucat))) AS cs,
                arrayMap(x -> x.1, cs) AS ts, arrayMap(x -> x.2, cs) AS rs, arrayMap(x -> x.3, cs) AS cl, arrayMap(x -> x.4, cs) AS us
            FROM (
                SELECT multiIf(case_id != '', cityHash64('c', case_id),
                               caller != '', cityHash64('p', caller, kid, ckid, community),
                               cityHash64('t', source, record_key)) AS grp,
                    case_id = '' AND caller != '' AS windowed,
                    toUInt32(t) AS t, community, kid AS kind, catid AS ucat,
                    toUInt8(status = 'closed') AS res, toUInt32(closed) AS closed
                FROM (
                    SELECT source, record_key, t, if(has_code, toUInt64OrZero(code), pc) AS community, category, status, closed, case_id, caller
                    FROM (
                        SELECT source, record_key, time AS t, community_code AS code, %[7]s AS has_code, area, address, category, status,
                            closed_time AS closed, case_id, caller
                        FROM %[2]s.hotline_ticket_current FINAL
                        WHERE deleted = 0 AND %[3]s
                    ) ANY LEFT JOIN (SELECT area, address, community AS pc FROM _places) USING (area, address)
                ) ANY LEFT JOIN (SELECT category, kid, ckid, catid FROM _kinds) USING (category)%[6]s
            )
            GROUP BY grp
        )
    )
    ARRAY JOIN a_opened AS opened, a_ucat AS ucat, a_calls AS calls, a_resolved AS resolved, a_closed AS closed_at
)
WHERE %[4]s y IN (%[5]s)
GROUP BY y, c, kind, ucat
)
ORDER BY y, c, kind, ucat`, int64(r.settings.Window/time.Second), r.db, r.timeRange(from, to), where, strings.Join(ys, ", "), only, isCode, c)
}

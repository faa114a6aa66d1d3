package profile

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/residenthub/residenthub/facts"
)

// Point reads of the read side (readside.go). One query reads the rows of
// a batch of requests (batch.go); its form depends on what the batch asks.
// Each level of subquery costs ClickHouse 18.16 about 0.6 ms of CPU, so:
//
//   - single residents: PREWHERE id_number IN (SELECT id FROM _req);
//   - households whose household_ids the reader remembers (households):
//     PREWHERE id_number IN the id_numbers household_members lists under
//     those household_ids (external table _hh); the applicant is one of
//     them;
//   - other households: the same, with the applicant's household_ids read
//     from the applicant's person rows in a subquery;
//   - a batch of both kinds of request: both conditions, OR-ed.
//
// A remembered household can be out of date (the applicant moved); the
// read proves it right or wrong: the applicant's own person rows come back
// with the others, and unless every household_id they carry (in any
// version) was among those read, the household is read again the long way.

// pointQueries are the query texts of the forms above.
type pointQueries struct {
	households, residents, both, remembered string
}

func pointQuery(db string) pointQueries {
	members := func(households string) string {
		return fmt.Sprintf(`id_number IN (SELECT id_number FROM %[1]s.household_members
      WHERE household_id IN (%[2]s)
      LIMIT %[3]d BY household_id)`, db, households, maxIDs)
	}
	ofApplicants := fmt.Sprintf(`SELECT household_id FROM %s.profile_rows
         WHERE id_number IN (SELECT id FROM _req WHERE household = 1) AND dataset = 'person'`, db)
	sel := "SELECT id_number, packed FROM " + db + ".profile_rows\nPREWHERE "
	return pointQueries{
		households: sel + members(ofApplicants),
		residents:  sel + "id_number IN (SELECT id FROM _req)",
		both:       sel + "id_number IN (SELECT id FROM _req)\n   OR " + members(ofApplicants),
		remembered: sel + members("SELECT hh FROM _hh"),
	}
}

// query returns the form for reqs (none of them read by remembered
// households).
func (q pointQueries) query(reqs []*pointRead) string {
	households, residents := false, false
	for _, r := range reqs {
		households = households || r.household
		residents = residents || !r.household
	}
	switch {
	case !residents:
		return q.households
	case !households:
		return q.residents
	}
	return q.both
}

// pointSettings keep a point read on one thread (it reads a few granules,
// and setting up parallel reading costs more than it saves) and let it use
// ClickHouse's cache of decompressed blocks (uncompressed_cache_size of the
// server config), meant for short queries that read the same data again:
// the granules of the households a counter asks about.
var pointSettings = clickhouse.Settings{"max_threads": 1, "use_uncompressed_cache": 1}

// pointRows are the rows the queries of one batch read: by id_number, and
// the id_numbers whose person rows (any version) carry each household_id;
// read lists the household_ids a household was read by, for the applicants
// read by remembered households.
type pointRows struct {
	byID        map[string][]dsRow
	byHousehold map[string][]string
	read        map[string][]string
	seen        map[[2]string]bool
}

// householdField is the position of household_id in a person row's values.
var householdField = func() int {
	for i, f := range valueFields(facts.Person()) {
		if f.Name == "household_id" {
			return i
		}
	}
	panic("schema: person has no household_id")
}()

// readPoints reads the rows of a batch: requests for households the reader
// remembers in one query, the others in another.
func (r *Reader) readPoints(ctx context.Context, reqs []*pointRead) (*pointRows, error) {
	out := &pointRows{byID: map[string][]dsRow{}, byHousehold: map[string][]string{}, read: map[string][]string{}, seen: map[[2]string]bool{}}
	var others []*pointRead
	hh, err := ext.NewTable("_hh", ext.Column("hh", "String"))
	if err != nil {
		return nil, fmt.Errorf("cannot read profiles: %w", err)
	}
	added := map[string]bool{}
	for _, q := range reqs {
		remembered := r.households.get(q.id)
		if !q.household || q.longWay || remembered == nil {
			others = append(others, q)
			continue
		}
		out.read[q.id] = remembered
		for _, h := range remembered {
			if !added[h] {
				added[h] = true
				if err := hh.Append(h); err != nil {
					return nil, fmt.Errorf("cannot read profiles: %w", err)
				}
			}
		}
	}
	if len(added) > 0 {
		if err := r.query(clickhouse.Context(ctx, clickhouse.WithExternalTable(hh)), r.pointQuery.remembered, out); err != nil {
			return nil, err
		}
	}
	if len(others) > 0 {
		t, err := ext.NewTable("_req", ext.Column("id", "String"), ext.Column("household", "UInt8"))
		if err != nil {
			return nil, fmt.Errorf("cannot read profiles: %w", err)
		}
		for _, q := range others {
			var h uint8
			if q.household {
				h = 1
			}
			if err := t.Append(q.id, h); err != nil {
				return nil, fmt.Errorf("cannot read profiles: %w", err)
			}
		}
		if err := r.query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), r.pointQuery.query(others), out); err != nil {
			return nil, err
		}
	}
	for id := range out.byID {
		r.households.put(id, out.householdsOf(id))
	}
	return out, nil
}

// query runs one point query and adds its rows to out.
func (r *Reader) query(ctx context.Context, q string, out *pointRows) error {
	rows, err := r.conn.Query(clickhouse.Context(ctx, clickhouse.WithSettings(pointSettings)), q)
	if err != nil {
		return fmt.Errorf("cannot read profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     string
			packed []string
		)
		if err := rows.Scan(&id, &packed); err != nil {
			return fmt.Errorf("cannot read profiles: %w", err)
		}
		row, err := unpack(id, packed)
		if err != nil {
			return err
		}
		out.byID[id] = append(out.byID[id], row)
		if row.ds == facts.DatasetPerson && householdField < len(row.vals) {
			k := [2]string{row.vals[householdField], id}
			if !out.seen[k] {
				out.seen[k] = true
				out.byHousehold[k[0]] = append(out.byHousehold[k[0]], id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read profiles: %w", err)
	}
	return nil
}

// householdsOf lists, sorted, the household_ids id's person rows carry in
// any version (nil when none was read).
func (p *pointRows) householdsOf(id string) []string {
	var out []string
	for _, row := range p.byID[id] {
		if row.ds == facts.DatasetPerson && householdField < len(row.vals) {
			out = append(out, row.vals[householdField])
		}
	}
	sort.Strings(out)
	return compact(out)
}

// complete reports whether the household of applicant id was read by all
// its household_ids: always when it was read the long way; when it was
// read by remembered ones, only if the applicant's person rows came back
// and carry no other household_id.
func (p *pointRows) complete(id string) bool {
	read, remembered := p.read[id]
	if !remembered {
		return true
	}
	have := p.householdsOf(id)
	if len(have) == 0 {
		return false
	}
	for _, h := range have {
		if i := sort.SearchStrings(read, h); i == len(read) || read[i] != h {
			return false
		}
	}
	return true
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// householdMemory remembers the household_ids of persons read (a bounded
// map; when full, an eighth of it is forgotten, in map order).
type householdMemory struct {
	mu  sync.Mutex
	m   map[string][]string
	max int
}

// maxRemembered bounds householdMemory: about 100 bytes an entry.
const maxRemembered = 1 << 18

func (h *householdMemory) get(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[id]
}

func (h *householdMemory) put(id string, households []string) {
	if len(households) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string][]string{}
	}
	if len(h.m) >= max(h.max, 8) {
		n := len(h.m) / 8
		for k := range h.m {
			if n == 0 {
				break
			}
			delete(h.m, k)
			n--
		}
	}
	h.m[id] = households
}

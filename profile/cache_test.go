package profile

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
)

func TestDiffParts(t *testing.T) {
	seen := map[string]partInfo{
		"all_1_5_1": {partition: "all", minBlock: 1, maxBlock: 5, dataVersion: 1, rows: 100},
		"all_6_6_0": {partition: "all", minBlock: 6, maxBlock: 6, dataVersion: 6, rows: 3},
	}
	f := func(name string, now map[string]partInfo, wantFresh []string, wantAll bool) {
		t.Helper()
		fresh, all := diffParts(seen, now, maxBlocks(seen))
		if !slices.Equal(fresh, wantFresh) || all != wantAll {
			t.Errorf("%s: fresh %v all %v, want %v %v", name, fresh, all, wantFresh, wantAll)
		}
	}
	with := func(extra map[string]partInfo, drop ...string) map[string]partInfo {
		out := map[string]partInfo{}
		for k, v := range seen {
			if !slices.Contains(drop, k) {
				out[k] = v
			}
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	f("nothing new", with(nil), nil, false)
	f("two inserts", with(map[string]partInfo{
		"all_7_7_0": {partition: "all", minBlock: 7, maxBlock: 7, dataVersion: 7, rows: 2},
		"all_8_8_0": {partition: "all", minBlock: 8, maxBlock: 8, dataVersion: 8, rows: 1},
	}), []string{"all_7_7_0", "all_8_8_0"}, false)
	f("merge of seen parts", with(map[string]partInfo{
		"all_1_6_2": {partition: "all", minBlock: 1, maxBlock: 6, dataVersion: 1, rows: 103},
	}, "all_1_5_1", "all_6_6_0"), nil, false)
	f("new inserts merged together before the poll", with(map[string]partInfo{
		"all_7_8_1": {partition: "all", minBlock: 7, maxBlock: 8, dataVersion: 7, rows: 3},
	}), []string{"all_7_8_1"}, false)
	f("an insert merged with seen parts before the poll", with(map[string]partInfo{
		"all_1_7_2": {partition: "all", minBlock: 1, maxBlock: 7, dataVersion: 1, rows: 105},
	}, "all_1_5_1", "all_6_6_0"), nil, true)
	f("a mutation", with(map[string]partInfo{
		"all_6_6_0_9": {partition: "all", minBlock: 6, maxBlock: 6, dataVersion: 9, rows: 3},
	}, "all_6_6_0"), nil, true)
	f("a part dropped", with(nil, "all_6_6_0"), nil, true)
	f("a bulk load", with(map[string]partInfo{
		"all_7_7_0": {partition: "all", minBlock: 7, maxBlock: 7, dataVersion: 7, rows: cacheMaxFreshRows + 1},
	}), []string{"all_7_7_0"}, true)
	f("the table made again (same part name, other rows)", map[string]partInfo{
		"all_1_5_1": {partition: "all", minBlock: 1, maxBlock: 5, dataVersion: 1, rows: 7},
		"all_6_6_0": {partition: "all", minBlock: 6, maxBlock: 6, dataVersion: 6, rows: 3},
	}, nil, true)
	f("a new partition", with(map[string]partInfo{
		"202401_9_9_0": {partition: "202401", minBlock: 9, maxBlock: 9, dataVersion: 9, rows: 1},
	}), []string{"202401_9_9_0"}, false)
}

func TestCachePutAfterInvalidation(t *testing.T) {
	c := newReadCache(nil, "db", 10, DefaultCachePoll)
	c.running = true // no poller: the test plays its part
	c.freshAt = time.Now()
	k := func(id string) cacheKey { return cacheKey{id: id, household: true} }
	rows := &pointRows{}
	c.put(k("A"), rows, []string{"A", "B"}, []string{"H1"}, 0)
	if c.entries[k("A")] == nil {
		t.Fatal("an entry read at the current epoch was not kept")
	}
	c.invalidate(false, map[string]bool{"B": true}, nil)
	if c.entries[k("A")] != nil || len(c.byID) != 0 || len(c.byHH) != 0 {
		t.Fatalf("a change of member B left the household cached: %v %v %v", c.entries, c.byID, c.byHH)
	}
	// Reads that started at epoch 0 (before the change of B).
	c.put(k("A"), rows, []string{"A", "B"}, []string{"H1"}, 0)
	c.put(k("C"), rows, []string{"C"}, []string{"H2"}, 0)
	if c.entries[k("A")] != nil || c.entries[k("C")] == nil {
		t.Errorf("after B changed: entry A %v (want none), entry C %v (want kept)", c.entries[k("A")], c.entries[k("C")])
	}
	c.invalidate(false, nil, map[string]bool{"H2": true}) // someone new filed under H2
	if c.entries[k("C")] != nil {
		t.Error("a person filed under H2 left household C cached")
	}
	c.invalidate(true, nil, nil)
	c.put(k("D"), rows, []string{"D"}, nil, 1)
	if c.entries[k("D")] != nil {
		t.Error("an entry read before the cache was emptied was kept")
	}
	c.freshAt = time.Now().Add(-2 * cacheMaxStale)
	c.put(k("E"), rows, []string{"E"}, nil, c.epoch)
	if c.entries[k("E")] != nil {
		t.Error("an entry was kept while the poller was behind")
	}
	if got, _, _ := c.lookup(k("C")); got != nil {
		t.Error("served while the poller was behind")
	}
}

// TestReadCache reads a household through the cache (with a real
// ClickHouse and its poller) and checks that it answers like the reader
// without a cache, from memory, and that new rows — a member's payroll, a
// person filed under the household, a move out — show in the next reads
// once the poller has seen them.
func TestReadCache(t *testing.T) {
	conn, cfg := seedDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	plain := NewReader(conn, cfg)
	cached := NewReaderWith(conn, cfg, ReadOptions{CacheEntries: 100})
	asOfs := []time.Time{day("2022-06-01"), day("2024-03-15"), time.Now()}
	text := func(r *Reader, id string, asOf time.Time) string {
		t.Helper()
		h, err := r.Household(ctx, id, asOf)
		if err != nil {
			t.Fatal(err)
		}
		return householdText(h)
	}
	// same waits (bounded) until the cached reader answers like the plain
	// one for every as-of date, and returns the cache's hits.
	same := func(what, id string) uint64 {
		t.Helper()
		for {
			want, got := "", ""
			for _, asOf := range asOfs {
				want += text(plain, id, asOf)
				got += text(cached, id, asOf)
			}
			if got == want {
				return cached.CacheStats().Hits
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: the cached reader still answers\n%s\nwant\n%s", what, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	same("first reads", idA)
	// Wait (bounded) until reads are answered from memory.
	for before := same("served", idA); ; {
		if now := same("served", idA); now > before+2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the cache never answered a read")
		}
	}
	insert(t, conn, cfg, "employment", row{"id_number": idB, "period": day("2024-02-01"), "gross_income_fen": int64(70000),
		"income_kind": "wage", "source": "payroll", "record_key": "B|2024-02", "source_time": day("2024-03-01"), "ingest_time": day("2024-03-01")})
	same("a member's new payroll row", idA)
	const idN = "110105202001010011"
	insert(t, conn, cfg, "person", person(idN, "H1", "normal", day("2024-03-01"), row{"birth_date": day("2020-01-01")}))
	same("a newborn filed under the household", idA)
	if h, err := cached.Household(ctx, idA, time.Now()); err != nil || !strings.Contains(householdText(h), idN) {
		t.Fatalf("the newborn is not in the household: %v", err)
	}
	insert(t, conn, cfg, "person", person(idB, "H3", "normal", day("2024-03-02"), row{"birth_date": day("1977-08-05")}))
	same("a member moved out", idA)
	same("the member's new household", idB)
	t.Logf("cache: %+v", cached.CacheStats())
}

func TestCacheServesMembersFromAHousehold(t *testing.T) {
	personRow := func(id, hh string) dsRow {
		vals := make([]string, len(valueFields(facts.Person())))
		vals[householdField] = hh
		return dsRow{ds: facts.DatasetPerson, id: id, vals: vals}
	}
	rows := &pointRows{
		byID: map[string][]dsRow{
			"A": {personRow("A", "H1")},
			"B": {personRow("B", "H1")},
			"C": {personRow("C", "H1"), personRow("C", "H9")}, // moved to H9 later
		},
		byHousehold: map[string][]string{"H1": {"A", "B", "C"}},
	}
	c := newReadCache(nil, "db", 10, DefaultCachePoll)
	c.running, c.freshAt = true, time.Now()
	c.put(cacheKey{id: "A", household: true}, rows, []string{"A", "B", "C"}, []string{"H1"}, 0)
	f := func(k cacheKey, want bool) {
		t.Helper()
		if got := c.find(k) != nil; got != want {
			t.Errorf("find(%+v) answered %v, want %v", k, got, want)
		}
	}
	f(cacheKey{id: "A", household: true}, true)
	f(cacheKey{id: "B", household: true}, true)  // same household: every member is in the entry
	f(cacheKey{id: "B"}, true)                   // a member's own rows are all there
	f(cacheKey{id: "C"}, true)                   //
	f(cacheKey{id: "C", household: true}, false) // C's H9 members were not read
	f(cacheKey{id: "D"}, false)
	f(cacheKey{id: "A"}, true)
}

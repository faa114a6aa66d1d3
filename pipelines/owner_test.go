package pipelines

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// currentAssets is what a by-person read (profile.Reader) sees of one
// id_number: its rows (a key-range read on id_number), per source record the
// latest version, gone if that is a delete. "record_key|asset_kind" lines.
func (h *harness) currentAssets(id string) string {
	h.t.Helper()
	return h.query(fmt.Sprintf(`SELECT concat(record_key, '|', asset_kind) FROM {db}.asset FINAL
		WHERE id_number = %s AND deleted = 0 AND (source, record_key, source_time) IN
			(SELECT source, record_key, max(source_time) FROM {db}.asset WHERE id_number = %s GROUP BY source, record_key)
		ORDER BY record_key`, store.QuoteString(id), store.QuoteString(id)))
}

// assetRows lists every stored asset row (after FINAL), sorting key and
// version, to compare a load with its replay.
func (h *harness) assetRows() string {
	h.t.Helper()
	return h.query(`SELECT concat(id_number, '|', source, '|', record_key, '|', toString(source_time), '|', toString(deleted), '|',
		asset_kind, '|', toString(ingest_time)) FROM {db}.asset FINAL ORDER BY id_number, source, record_key, source_time`)
}

// TestRecordMovesToAnotherOwner: an update of a source record that carries a
// new id_number leaves the record current only under its new owner, whether
// the owners change across batches, within one batch, or an old version
// arrives after a newer one; a replay writes the same rows; a delete without
// id_number finds the owners.
func TestRecordMovesToAnotherOwner(t *testing.T) {
	h := newHarness(t)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	h.produce(
		asset("V-1", idA, "车辆", t0),
		asset("V-2", idA, "deposit", t0),
		asset("V-4", idC, "vehicle", t1), // its older version (owner A) comes later
		asset("V-5", idA, "other", t0),
	)
	h.runUntilIdle(h.cfg)
	h.produce(
		asset("V-1", idB, "vehicle", t1),                                           // moves A → B
		asset("V-3", idA, "real_estate", t0), asset("V-3", idB, "real_estate", t1), // A → B → C in one feed
		asset("V-3", idC, "real_estate", t2),
		asset("V-4", idA, "vehicle", t0), // late: C's version at t1 is newer
		asset("V-5", idB, "other", t1), deletion("vehicles", "asset", "V-5", t2),
	)
	h.runUntilIdle(h.cfg)
	check := func(when string) {
		t.Helper()
		for _, c := range []struct{ id, want string }{
			{idA, "V-2|deposit"},
			{idB, "V-1|vehicle"},
			{idC, "V-3|real_estate\nV-4|vehicle"},
		} {
			if got := h.currentAssets(c.id); got != c.want {
				t.Fatalf("%s: current assets of %s = %q, want %q\nrows:\n%s", when, c.id[:6], got, c.want, h.assetRows())
			}
		}
	}
	check("after the load")
	if n := h.query("SELECT toString(uniqExact(record_key, id_number)) FROM {db}.record_owner WHERE source = 'vehicles'"); n != "10" {
		t.Fatalf("record_owner holds %s owners of vehicles records, want 10 (V-1: A, B; V-2: A; V-3: A, B, C; V-4: A, C; V-5: A, B)", n)
	}
	// The tombstone under the old owner carries the update's source_time.
	if got := h.query(fmt.Sprintf(`SELECT toString(toUInt32(source_time)) FROM {db}.asset FINAL WHERE record_key = 'V-1' AND id_number = %s AND deleted = 1`,
		store.QuoteString(idA))); got != fmt.Sprint(t1.Unix()) {
		t.Fatalf("V-1 tombstone under the old owner at %q, want %d (the update's source_time)", got, t1.Unix())
	}
	first := h.assetRows()

	replay := *h.cfg
	replay.Pipelines.GroupID = "replay-" + randomID()
	h.runUntilIdle(&replay)
	check("after a replay")
	if again := h.assetRows(); again != first {
		t.Fatalf("replay changed the stored rows:\nfirst:\n%s\nreplay:\n%s", first, again)
	}
	if n := h.query(`SELECT toString(count()) FROM (SELECT uniqExact(ingest_time) AS versions FROM {db}.asset
		GROUP BY id_number, source, record_key, source_time HAVING versions > 1)`); n != "0" {
		t.Fatalf("%s asset rows got a different ingest_time on replay", n)
	}
}

// TestResolveOwnersWithinOneBatch resolves one batch directly (the
// integration test cannot force its messages into one batch): owners from
// ClickHouse and from earlier and later messages of the batch.
func TestResolveOwnersWithinOneBatch(t *testing.T) {
	h := newHarness(t)
	r := h.loadedRunner(asset("V-1", idA, "vehicle", t0))
	src, _ := h.cfg.Source("vehicles")
	ingest := t0.Add(24 * time.Hour)
	b := &batch{dataset: schema.Datasets["asset"]}
	for i, env := range []*schema.Envelope{
		asset("V-1", idB, "vehicle", t0.Add(time.Hour)),   // A (stored) → B
		asset("V-1", idC, "vehicle", t0.Add(2*time.Hour)), // B → C, same batch
		asset("V-2", idC, "deposit", t0.Add(2*time.Hour)), // a newer version comes first
		asset("V-2", idB, "deposit", t0.Add(time.Hour)),
		deletion("vehicles", "asset", "V-9", t0), // nobody known: under ""
	} {
		row, _, err := record.Normalize(env, src, ingest.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		b.rows = append(b.rows, pendingRow{row: row})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := r.resolveOwners(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rows {
		got = append(got, fmt.Sprintf("%s %s %s del=%v ingest+%ds", row.RecordKey, short(row.Values[0].(string)),
			row.SourceTime.Sub(t0), row.Deleted, int(row.IngestTime.Sub(ingest).Seconds())))
	}
	want := []string{
		"V-1 B 1h0m0s del=false ingest+0s",
		"V-1 A 1h0m0s del=true ingest+0s",  // A held it before B
		"V-1 B 2h0m0s del=true ingest+1s",  // C's version (later in the batch) is newer
		"V-1 C 2h0m0s del=false ingest+1s", //
		"V-1 A 2h0m0s del=true ingest+1s",  // A and B held it before C (B's tombstone is written once)
		"V-2 C 2h0m0s del=false ingest+2s",
		"V-2 B 2h0m0s del=true ingest+2s", // B held it before C's version
		"V-2 B 1h0m0s del=false ingest+3s",
		"V-9 - 0s del=true ingest+4s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("resolved rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func short(id string) string {
	switch id {
	case idA:
		return "A"
	case idB:
		return "B"
	case idC:
		return "C"
	case "":
		return "-"
	}
	return id
}

// TestLookupOwnersSplitsLongLists looks up more keys (and longer ones) than
// one query's text could hold (they travel as an external table).
func TestLookupOwnersSplitsLongLists(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("长", 300) // 900 bytes: 2,500 of them are 2.2 MB, far over max_query_size
	r := h.loadedRunner(asset("V-1", idA, "vehicle", t0), asset(long+"|7", idB, "vehicle", t0))
	var keys []sourceKey
	for i := range 2500 {
		keys = append(keys, sourceKey{"vehicles", fmt.Sprintf("%s|%d", long, i)})
	}
	keys = append(keys, sourceKey{"vehicles", "V-1"}, sourceKey{"payroll", "V-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := r.lookupOwners(ctx, schema.Datasets["asset"], keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("%d keys looked up, want %d", len(got), len(keys))
	}
	for k, o := range got {
		var want string
		switch k {
		case sourceKey{"vehicles", "V-1"}:
			want = idA
		case sourceKey{"vehicles", long + "|7"}:
			want = idB
		}
		if ids := strings.Join(o.sorted(), ","); ids != want {
			t.Fatalf("owners of %.20s = %q, want %q", k.recordKey, ids, want)
		}
		if want != "" && !o[want].first.Equal(t0) {
			t.Fatalf("owner of %.20s since %v, want %v", k.recordKey, o[want].first, t0)
		}
	}
}

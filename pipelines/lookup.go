package pipelines

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// extTable returns a ClickHouse external table of String columns (names)
// filled with values (one slice per column, all of one length): how the
// look-ups pass ID numbers and record keys to ClickHouse as data, never in
// the query text (which ClickHouse shows to every user in system.processes
// and the query log).
func extTable(name string, names []string, values ...[]string) (*ext.Table, error) {
	cols := make([]func(*ext.Table) error, len(names))
	for i, n := range names {
		cols[i] = ext.Column(n, "String")
	}
	t, err := ext.NewTable(name, cols...)
	if err != nil {
		return nil, err
	}
	for i, v := range values {
		if _, err := t.Block().Columns[i].Append(v); err != nil {
			return nil, err
		}
	}
	return t, nil
}

type sourceKey struct{ source, recordKey string }

// ownerSpan summarises the non-deleted versions of one source record stored
// under one id_number.
type ownerSpan struct {
	first      time.Time // earliest source_time known
	last       time.Time // latest source_time known
	lastIngest time.Time // ingest_time of that latest version (the latest of its copies)
}

// owners are the id_numbers a source record was stored under.
type owners map[string]*ownerSpan

func (o owners) add(id string, sourceTime, ingest time.Time) {
	s := o[id]
	if s == nil {
		o[id] = &ownerSpan{first: sourceTime, last: sourceTime, lastIngest: ingest}
		return
	}
	if sourceTime.Before(s.first) {
		s.first = sourceTime
	}
	if sourceTime.After(s.last) || sourceTime.Equal(s.last) && ingest.After(s.lastIngest) {
		s.last, s.lastIngest = sourceTime, ingest
	}
}

// sorted returns the id_numbers in order, so the output does not depend on
// map iteration.
func (o owners) sorted() []string {
	ids := make([]string, 0, len(o))
	for id := range o {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// lookupOwners reads from record_owner the id_numbers every (source,
// record_key) of keys was stored under (non-deleted versions), in one
// primary-key lookup: WHERE dataset = ? AND (source, record_key) IN (SELECT
// … FROM keys), the keys passed as an external table.
func (r *Runner) lookupOwners(ctx context.Context, ds schema.Dataset, keys []sourceKey) (map[sourceKey]owners, error) {
	out := make(map[sourceKey]owners, len(keys))
	sources, recordKeys := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		out[k] = owners{}
		sources[i], recordKeys[i] = k.source, k.recordKey
	}
	if len(keys) == 0 {
		return out, nil
	}
	fail := func(err error) error { return fmt.Errorf("cannot look up the owners of %s records: %w", ds.Name, err) }
	t, err := extTable("keys", []string{"source", "record_key"}, sources, recordKeys)
	if err != nil {
		return nil, fail(err)
	}
	q := fmt.Sprintf("SELECT source, record_key, id_number, source_time, max(ingest_time) FROM %s "+
		"WHERE dataset = %s AND (source, record_key) IN (SELECT source, record_key FROM keys) GROUP BY source, record_key, id_number, source_time",
		r.table("record_owner"), store.QuoteString(ds.Name))
	rows, err := r.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), q)
	if err != nil {
		return nil, fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k sourceKey
		var id string
		var sourceTime, ingest time.Time
		if err := rows.Scan(&k.source, &k.recordKey, &id, &sourceTime, &ingest); err != nil {
			return nil, fail(err)
		}
		if o := out[k]; o != nil {
			o.add(id, sourceTime.UTC(), ingest.UTC())
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err)
	}
	return out, nil
}

// rowKey is a profile table's sorting key.
type rowKey struct {
	id, source, recordKey string
	sourceTime            int64
}

// resolveOwners returns the rows to insert for the batch: its upserts, and
// tombstones (record.Tombstone) so that a source record is current under at
// most one id_number. The owners of every record in the batch are looked up
// in record_owner and joined with the batch's own upserts (so an owner change
// within one batch counts too); then, in message order:
//
//   - an upsert of owner Z at source time T adds a tombstone at T under every
//     other owner Y that held the record before T (the record moved from Y to
//     Z), and — when it arrives after a newer version of another owner, at T'
//     > T — one under Z at the latest such T' (with that version's ingest
//     time), so an old version delivered late does not become current again;
//   - a delete at T becomes a tombstone at T under every owner that held the
//     record at or before T, under its own id_number if it carries one, and
//     under "" if no owner is known.
//
// A tombstone carries the ingest_time of the message whose version it marks,
// and the owners' spans only grow with later versions, so a replay writes
// rows identical to stored ones (ReplacingMergeTree collapses them). A
// tombstone that would share its sorting key with a known upsert (two owners
// at the same source time) is not written.
func (r *Runner) resolveOwners(ctx context.Context, b *batch) ([]record.Row, error) {
	ds := b.dataset
	subj := ds.SubjectIndex()
	if subj < 0 {
		return resolveOwners(ds, b.rows, nil), nil
	}
	// A record of a source whose record key holds the subject's id_number
	// cannot move to another owner: its stored owners can only be its own,
	// which change nothing (see resolveOwners), and its deletes carry that
	// id_number (record.Normalize takes it from the canonical key). Only a
	// delete whose key did not give it, and the records of other sources,
	// are looked up; record_owner holds no rows of such sources since
	// migration 0130.
	var keys []sourceKey
	seen := make(map[sourceKey]bool, len(b.rows))
	for _, p := range b.rows {
		k := sourceKey{p.row.Source, p.row.RecordKey}
		ownerless := p.row.Deleted && p.row.Values[subj] == ""
		if !seen[k] && (ownerless || !r.keyHoldsSubject[p.row.Source]) {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	known, err := r.lookupOwners(ctx, ds, keys)
	if err != nil {
		return nil, err
	}
	return resolveOwnersFixed(ds, b.rows, known, func(source string) bool { return r.keyHoldsSubject[source] }), nil
}

// resolveOwners is the rule of Runner.resolveOwners as a pure function: the
// rows to insert for the batch's rows given known, the owners record_owner
// holds for every record of the batch (it is extended with the batch's own
// upserts).
func resolveOwners(ds schema.Dataset, rows []pendingRow, known map[sourceKey]owners) []record.Row {
	return resolveOwnersFixed(ds, rows, known, nil)
}

// resolveOwnersFixed is resolveOwners where fixed (optional) names the
// sources whose records keep their owner (the record key holds the
// id_number): an upsert of such a source whose record was not looked up
// (not in known) is inserted as it is, and a delete becomes a tombstone
// under its own id_number (and the owners known, if it was looked up).
func resolveOwnersFixed(ds schema.Dataset, rows []pendingRow, known map[sourceKey]owners, fixed func(source string) bool) []record.Row {
	subj := ds.SubjectIndex()
	if subj < 0 {
		out := make([]record.Row, len(rows))
		for i, p := range rows {
			out[i] = p.row
		}
		return out
	}
	if known == nil {
		known = map[sourceKey]owners{}
	}
	// plain: the row is inserted as it is, without owner bookkeeping.
	plain := make([]bool, len(rows))
	for i, p := range rows {
		k := sourceKey{p.row.Source, p.row.RecordKey}
		if _, ok := known[k]; !ok {
			if fixed != nil && !p.row.Deleted && fixed(p.row.Source) {
				plain[i] = true
				continue
			}
			known[k] = owners{}
		}
	}
	for i, p := range rows {
		if !p.row.Deleted && !plain[i] {
			k := sourceKey{p.row.Source, p.row.RecordKey}
			known[k].add(p.row.Values[subj].(string), p.row.SourceTime, p.row.IngestTime)
		}
	}
	// the batch's upserts by sorting key, built when a tombstone is first
	// considered (most batches have none)
	var upserts map[rowKey]bool
	isUpsert := func(rk rowKey) bool {
		if upserts == nil {
			upserts = map[rowKey]bool{}
			for _, p := range rows {
				if !p.row.Deleted {
					upserts[rowKey{p.row.Values[subj].(string), p.row.Source, p.row.RecordKey, p.row.SourceTime.Unix()}] = true
				}
			}
		}
		return upserts[rk]
	}

	out := make([]record.Row, 0, len(rows))
	tombs := map[rowKey]int{} // position in out
	tomb := func(k sourceKey, id string, sourceTime, ingest time.Time) {
		rk := rowKey{id, k.source, k.recordKey, sourceTime.Unix()}
		if isUpsert(rk) {
			return
		}
		if s := known[k][id]; s != nil && (s.first.Equal(sourceTime) || s.last.Equal(sourceTime)) {
			return // the owner has a version at that very time
		}
		if i, ok := tombs[rk]; ok {
			if ingest.After(out[i].IngestTime) {
				out[i].IngestTime = ingest
			}
			return
		}
		tombs[rk] = len(out)
		out = append(out, record.Tombstone(ds, k.source, k.recordKey, id, sourceTime, ingest))
	}
	for i, p := range rows {
		row := p.row
		if plain[i] {
			out = append(out, row)
			continue
		}
		k := sourceKey{row.Source, row.RecordKey}
		own := row.Values[subj].(string)
		if row.Deleted {
			var ids []string
			for _, id := range known[k].sorted() {
				if !known[k][id].first.After(row.SourceTime) {
					ids = append(ids, id)
				}
			}
			if own != "" || len(ids) == 0 {
				ids = append(ids, own)
			}
			for _, id := range ids {
				rk := rowKey{id, k.source, k.recordKey, row.SourceTime.Unix()}
				if i, ok := tombs[rk]; ok {
					out[i].IngestTime = later(out[i].IngestTime, row.IngestTime)
					continue
				}
				tombs[rk] = len(out)
				out = append(out, record.Tombstone(ds, k.source, k.recordKey, id, row.SourceTime, row.IngestTime))
			}
			continue
		}
		out = append(out, row)
		if o := known[k]; len(o) == 1 && o[own] != nil {
			continue // the record's one owner: nothing to mark
		}
		var newer *ownerSpan
		for _, id := range known[k].sorted() {
			if id == own {
				continue
			}
			s := known[k][id]
			if s.first.Before(row.SourceTime) {
				tomb(k, id, row.SourceTime, row.IngestTime)
			}
			if s.last.After(row.SourceTime) && (newer == nil || s.last.After(newer.last) ||
				s.last.Equal(newer.last) && s.lastIngest.After(newer.lastIngest)) {
				newer = s
			}
		}
		if newer != nil {
			tomb(k, own, newer.last, newer.lastIngest)
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

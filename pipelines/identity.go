package pipelines

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
)

// conflictFields are the person fields whose disagreement between two
// sources about one id_number is an identity conflict.
var conflictFields = []string{"name", "birth_date"}

// conflict is one row of the identity_conflict table; a.source < b.source
// (then record key) so that a pair is stored once whichever came first.
type conflict struct {
	idNumber   string
	field      string
	a, b       conflictSide
	detectedAt time.Time
}

type conflictSide struct{ source, recordKey, value string }

// personVersion is the current version of one (id_number, source, record_key).
type personVersion struct {
	source, recordKey string
	values            map[string]string // conflict field → value ("" = unknown)
	deleted           bool
	sourceTime        time.Time
}

// findConflicts compares every current, non-deleted person row of the batch
// with the current records of the same id_number from other sources (in
// ClickHouse and in the batch) and returns the disagreements on name and
// birth_date. Unknown values (empty name or birth date) do not conflict.
// Datasets without those fields give none. The stored records come from one
// query per batch, the id_numbers passed as an external table.
func (r *Runner) findConflicts(ctx context.Context, ds schema.Dataset, rows []record.Row) ([]conflict, error) {
	idx := conflictIndex(ds)
	if idx == nil {
		return nil, nil
	}
	subj := idx[ds.SubjectField]
	var ids []string
	seen := map[string]bool{}
	for _, row := range rows {
		id := row.Values[subj].(string)
		if id != "" && !row.Deleted && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	stored, err := r.lookupPersons(ctx, ds, ids)
	if err != nil {
		return nil, err
	}
	return conflicts(ds, rows, stored), nil
}

// storedVersion is the current version of one stored (id_number, source,
// record_key).
type storedVersion struct {
	id string
	personVersion
}

// lookupPersons reads the current version of every stored record of the
// id_numbers ids (name, birth date, deleted, source time).
func (r *Runner) lookupPersons(ctx context.Context, ds schema.Dataset, ids []string) ([]storedVersion, error) {
	fail := func(err error) error { return fmt.Errorf("cannot look up persons for identity conflicts: %w", err) }
	t, err := extTable("ids", []string{"id_number"}, ids)
	if err != nil {
		return nil, fail(err)
	}
	// The latest version of every record: the greatest (source_time,
	// ingest_time), which is the row FINAL would keep of the latest
	// source_time (ReplacingMergeTree(ingest_time)), without FINAL's merge.
	q := fmt.Sprintf("SELECT id_number, source, record_key, argMax(name, (source_time, ingest_time)), toString(argMax(birth_date, (source_time, ingest_time))), "+
		"argMax(deleted, (source_time, ingest_time)), max(source_time) FROM %s WHERE id_number IN (SELECT id_number FROM ids) GROUP BY id_number, source, record_key",
		r.table(ds.Name))
	res, err := r.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), q)
	if err != nil {
		return nil, fail(err)
	}
	defer res.Close()
	var out []storedVersion
	for res.Next() {
		var v storedVersion
		var name, birth string
		var deleted uint8
		if err := res.Scan(&v.id, &v.source, &v.recordKey, &name, &birth, &deleted, &v.sourceTime); err != nil {
			return nil, fail(err)
		}
		v.deleted = deleted == 1
		v.values = map[string]string{"name": name, "birth_date": birth}
		out = append(out, v)
	}
	if err := res.Err(); err != nil {
		return nil, fail(err)
	}
	return out, nil
}

// conflictIndex returns the positions of the subject and conflict fields in
// ds, or nil when ds lacks one of them.
func conflictIndex(ds schema.Dataset) map[string]int {
	idx := map[string]int{}
	for _, name := range append([]string{ds.SubjectField}, conflictFields...) {
		i := -1
		for j, f := range ds.Fields {
			if f.Name == name {
				i = j
			}
		}
		if i < 0 {
			return nil
		}
		idx[name] = i
	}
	return idx
}

// conflicts is the identity rule of findConflicts as a pure function: the
// conflicts of the batch's rows given the stored current versions of their
// id_numbers.
func conflicts(ds schema.Dataset, rows []record.Row, stored []storedVersion) []conflict {
	idx := conflictIndex(ds)
	if idx == nil {
		return nil
	}
	subj := idx[ds.SubjectField]
	current := map[string]map[sourceKey]personVersion{}
	put := func(id string, v personVersion) {
		if current[id] == nil {
			current[id] = map[sourceKey]personVersion{}
		}
		k := sourceKey{v.source, v.recordKey}
		if old, ok := current[id][k]; !ok || !v.sourceTime.Before(old.sourceTime) {
			current[id][k] = v
		}
	}
	for _, v := range stored {
		put(v.id, v.personVersion)
	}
	for _, row := range rows {
		put(row.Values[subj].(string), versionOf(row, idx))
	}

	var out []conflict
	dedupe := map[[6]string]bool{}
	for _, row := range rows {
		id := row.Values[subj].(string)
		if id == "" || row.Deleted {
			continue
		}
		x := versionOf(row, idx)
		if cur := current[id][sourceKey{x.source, x.recordKey}]; !cur.sourceTime.Equal(x.sourceTime) || cur.deleted {
			continue // an older version within the batch, or since deleted
		}
		for _, c := range current[id] {
			if c.source == x.source || c.deleted {
				continue
			}
			for _, f := range conflictFields {
				xv, cv := x.values[f], c.values[f]
				if xv == "" || cv == "" || xv == cv {
					continue
				}
				a := conflictSide{x.source, x.recordKey, xv}
				b := conflictSide{c.source, c.recordKey, cv}
				if b.source < a.source || b.source == a.source && b.recordKey < a.recordKey {
					a, b = b, a
				}
				k := [6]string{id, f, a.source, a.value, b.source, b.value}
				if dedupe[k] {
					continue
				}
				dedupe[k] = true
				out = append(out, conflict{idNumber: id, field: f, a: a, b: b, detectedAt: row.IngestTime})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].idNumber != out[j].idNumber {
			return out[i].idNumber < out[j].idNumber
		}
		return out[i].field < out[j].field
	})
	return out
}

func versionOf(row record.Row, idx map[string]int) personVersion {
	birth, _ := row.Values[idx["birth_date"]].(string) // ISO date, "" = unknown
	return personVersion{
		source: row.Source, recordKey: row.RecordKey, deleted: row.Deleted, sourceTime: row.SourceTime,
		values: map[string]string{"name": row.Values[idx["name"]].(string), "birth_date": birth},
	}
}

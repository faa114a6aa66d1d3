package pipelines

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
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
// Datasets without those fields give none.
func (r *Runner) findConflicts(ctx context.Context, ds schema.Dataset, rows []record.Row) ([]conflict, error) {
	idx := map[string]int{}
	for _, name := range append([]string{ds.SubjectField}, conflictFields...) {
		i := -1
		for j, f := range ds.Fields {
			if f.Name == name {
				i = j
			}
		}
		if i < 0 {
			return nil, nil
		}
		idx[name] = i
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
	err := chunks(ids, func(ids []string) error {
		q := fmt.Sprintf("SELECT id_number, source, record_key, argMax(name, source_time), toString(argMax(birth_date, source_time)), "+
			"argMax(deleted, source_time), max(source_time) FROM %s FINAL WHERE id_number IN (%s) GROUP BY id_number, source, record_key",
			r.table(ds.Name), store.InList(ids))
		res, err := r.conn.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("cannot look up persons for identity conflicts: %w", err)
		}
		defer res.Close()
		for res.Next() {
			var id, name, birth string
			var v personVersion
			var deleted uint8
			if err := res.Scan(&id, &v.source, &v.recordKey, &name, &birth, &deleted, &v.sourceTime); err != nil {
				return fmt.Errorf("cannot look up persons for identity conflicts: %w", err)
			}
			v.deleted = deleted == 1
			v.values = map[string]string{"name": name, "birth_date": birth}
			put(id, v)
		}
		return res.Err()
	})
	if err != nil {
		return nil, err
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
	return out, nil
}

func versionOf(row record.Row, idx map[string]int) personVersion {
	birth, _ := row.Values[idx["birth_date"]].(string) // ISO date, "" = unknown
	return personVersion{
		source: row.Source, recordKey: row.RecordKey, deleted: row.Deleted, sourceTime: row.SourceTime,
		values: map[string]string{"name": row.Values[idx["name"]].(string), "birth_date": birth},
	}
}

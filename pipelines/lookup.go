package pipelines

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
)

// inChunk bounds the values of one IN (...) list, keeping queries well under
// ClickHouse's max_query_size (256 KiB by default).
const inChunk = 2000

// quoteString quotes s as a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func inList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quoteString(v)
	}
	return strings.Join(q, ", ")
}

// chunks calls f with consecutive slices of at most inChunk values.
func chunks(values []string, f func([]string) error) error {
	for len(values) > 0 {
		n := min(len(values), inChunk)
		if err := f(values[:n]); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}

type sourceKey struct{ source, recordKey string }

// subjectIndex is the position of the dataset's subject field (id_number).
func subjectIndex(ds schema.Dataset) int {
	for i, f := range ds.Fields {
		if f.Name == ds.SubjectField {
			return i
		}
	}
	return -1
}

// expandDeletes returns the batch's rows with every delete replaced by one
// tombstone per id_number its record was stored under (see the package
// documentation), in message order.
func (r *Runner) expandDeletes(ctx context.Context, b *batch) ([]record.Row, error) {
	subj := subjectIndex(b.dataset)
	keysBySource := map[string][]string{}
	seen := map[sourceKey]bool{}
	for _, p := range b.rows {
		k := sourceKey{p.row.Source, p.row.RecordKey}
		if p.row.Deleted && !seen[k] {
			seen[k] = true
			keysBySource[k.source] = append(keysBySource[k.source], k.recordKey)
		}
	}
	if len(seen) == 0 || subj < 0 {
		rows := make([]record.Row, len(b.rows))
		for i, p := range b.rows {
			rows[i] = p.row
		}
		return rows, nil
	}
	ids := map[sourceKey]map[string]bool{}
	add := func(k sourceKey, id string) {
		if ids[k] == nil {
			ids[k] = map[string]bool{}
		}
		ids[k][id] = true
	}
	for source, keys := range keysBySource {
		err := chunks(keys, func(keys []string) error {
			q := fmt.Sprintf("SELECT record_key, %s FROM %s WHERE source = %s AND record_key IN (%s) GROUP BY record_key, %s",
				b.dataset.SubjectField, r.table(b.dataset.Name), quoteString(source), inList(keys), b.dataset.SubjectField)
			rows, err := r.conn.Query(ctx, q)
			if err != nil {
				return fmt.Errorf("cannot look up deleted records in %s: %w", b.dataset.Name, err)
			}
			defer rows.Close()
			for rows.Next() {
				var key, id string
				if err := rows.Scan(&key, &id); err != nil {
					return fmt.Errorf("cannot look up deleted records in %s: %w", b.dataset.Name, err)
				}
				add(sourceKey{source, key}, id)
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	for _, p := range b.rows {
		k := sourceKey{p.row.Source, p.row.RecordKey}
		if seen[k] && !p.row.Deleted {
			add(k, p.row.Values[subj].(string))
		}
	}
	out := make([]record.Row, 0, len(b.rows))
	for _, p := range b.rows {
		if !p.row.Deleted {
			out = append(out, p.row)
			continue
		}
		set := map[string]bool{}
		for id := range ids[sourceKey{p.row.Source, p.row.RecordKey}] {
			set[id] = true
		}
		if own := p.row.Values[subj].(string); own != "" || len(set) == 0 {
			set[own] = true
		}
		list := make([]string, 0, len(set))
		for id := range set {
			list = append(list, id)
		}
		sort.Strings(list)
		for _, id := range list {
			t := p.row
			t.Values = append([]any(nil), p.row.Values...)
			t.Values[subj] = id
			out = append(out, t)
		}
	}
	return out, nil
}

package profile

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/schema"
)

// bookkeeping are the columns every dataset row carries after its fields.
type bookkeeping struct {
	source, recordKey      string
	deleted                uint8
	sourceTime, ingestTime time.Time
}

// dsRow is one stored row of a profile dataset as read: the person's
// id_number, the field values as strings (fieldExpr, in schema order) and
// the bookkeeping columns.
type dsRow struct {
	ds, id string
	vals   []string
	bk     bookkeeping
}

// fieldExpr is a field's String expression in the reads (UNION ALL
// branches and arrays must agree on one type): String fields as they are,
// integers in decimal, DateTime as Unix seconds (no time-zone ambiguity),
// Date (months) as "2006-01-02". parseField reads them back.
func fieldExpr(f schema.Field) string {
	switch f.Kind {
	case schema.KindFen, schema.KindInt, schema.KindBool, schema.KindMonth:
		return "toString(" + f.Name + ")"
	case schema.KindDateTime:
		return "toString(toUnixTimestamp(" + f.Name + "))"
	}
	return f.Name
}

// parseField converts s, as fieldExpr renders the field, into its value
// (facts.Zero's types). ClickHouse's zero Date ("0000-00-00") and the epoch
// are unknown dates and instants.
func parseField(f schema.Field, s string) (any, error) {
	var (
		v   any
		err error
	)
	switch f.Kind {
	case schema.KindFen, schema.KindInt:
		v, err = strconv.ParseInt(s, 10, 64)
	case schema.KindBool:
		var n uint64
		n, err = strconv.ParseUint(s, 10, 8)
		v = n != 0
	case schema.KindDateTime:
		var n int64
		n, err = strconv.ParseInt(s, 10, 64)
		v = time.Time{}
		if n > 0 {
			v = time.Unix(n, 0).UTC()
		}
	case schema.KindMonth, schema.KindDate:
		var d facts.Date
		if f.Kind == schema.KindMonth && (s == "0000-00-00" || s == "1970-01-01") {
			return d, nil
		}
		err = d.Scan(s)
		v = d
	default:
		v = s
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read column %s value %q: %w", f.Name, s, err)
	}
	return v, nil
}

// current calls each, id by id, with the current records of rows (all of
// one dataset; nil when every record is deleted) and the id's freshness in
// the dataset. Current: for each (source, record_key) the version
// with the latest source_time (replays of the same version collapse to the
// latest ingest_time, as ReplacingMergeTree(ingest_time) does on merge),
// dropped when that version is a delete. Deduplicating here instead of FINAL
// keeps the read a plain key-range read on every ClickHouse version. Only
// the current versions' values are parsed.
func current(def *facts.Def, rows []dsRow, each func(id string, recs []facts.Record, f Freshness)) error {
	slices.SortFunc(rows, func(a, b dsRow) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		if c := cmp.Compare(a.bk.source, b.bk.source); c != 0 {
			return c
		}
		if c := cmp.Compare(a.bk.recordKey, b.bk.recordKey); c != 0 {
			return c
		}
		if c := a.bk.sourceTime.Compare(b.bk.sourceTime); c != 0 {
			return c
		}
		return a.bk.ingestTime.Compare(b.bk.ingestTime)
	})
	// last reports whether rows[i] is the latest version of its record.
	last := func(i int) bool {
		return i == len(rows)-1 || rows[i+1].id != rows[i].id || rows[i+1].bk.source != rows[i].bk.source || rows[i+1].bk.recordKey != rows[i].bk.recordKey
	}
	for start := 0; start < len(rows); {
		id := rows[start].id
		end, n := start, 0
		for ; end < len(rows) && rows[end].id == id; end++ {
			if last(end) && rows[end].bk.deleted == 0 {
				n++
			}
		}
		f := Freshness{Dataset: def.Name}
		var recs []facts.Record
		if n > 0 {
			recs = make([]facts.Record, 0, n)
		}
		for i := start; i < end; i++ {
			v := &rows[i]
			f.LatestSourceTime = later(f.LatestSourceTime, v.bk.sourceTime.UTC())
			f.LatestIngestTime = later(f.LatestIngestTime, v.bk.ingestTime.UTC())
			if last(i) && v.bk.deleted == 0 {
				rec, err := record(def, v)
				if err != nil {
					return err
				}
				recs = append(recs, rec)
				f.Records++
			}
		}
		each(id, recs, f)
		start = end
	}
	return nil
}

// valueFields are the fields of def whose values a row carries in vals, in
// order: every field but id_number (the row's own column).
func valueFields(def *facts.Def) []schema.Field {
	out := make([]schema.Field, 0, len(def.Fields))
	for _, f := range def.Fields {
		if f.Name != "id_number" {
			out = append(out, f)
		}
	}
	return out
}

// record converts one row into a record of def with its evidence. A row
// with fewer values than the dataset has fields (stored before a field was
// added) leaves the rest at their zero values.
func record(def *facts.Def, v *dsRow) (facts.Record, error) {
	rec := facts.NewRecord(def)
	j := 0
	for i, f := range def.Fields {
		if f.Name == "id_number" {
			rec.Values[i] = v.id
			continue
		}
		if j < len(v.vals) {
			x, err := parseField(f, v.vals[j])
			if err != nil {
				return facts.Record{}, fmt.Errorf("cannot read %s: %w", def.Name, err)
			}
			rec.Values[i] = x
		}
		j++
	}
	if len(v.vals) > j {
		return facts.Record{}, fmt.Errorf("cannot read %s: %d values for %d fields", def.Name, len(v.vals), j)
	}
	rec.Evidence = facts.Evidence{Dataset: def.Name, Source: v.bk.source, RecordKey: v.bk.recordKey,
		SourceTime: v.bk.sourceTime.UTC(), IngestTime: v.bk.ingestTime.UTC()}
	return rec, nil
}

// fill sets the residents' current records of one dataset from its rows,
// and their freshness in it. For person, several sources may hold a
// current record: the latest source_time wins, and the sources' records
// are compared for identity conflicts.
func fill(def *facts.Def, rows []dsRow, into map[string]*Resident) error {
	return current(def, rows, func(id string, rs []facts.Record, f Freshness) {
		res := into[id]
		if res == nil {
			return
		}
		res.Freshness[def.Name] = f
		switch {
		case len(rs) == 0:
		case def.Name != facts.DatasetPerson:
			if res.Records == nil {
				res.Records = make(map[string][]facts.Record, len(facts.Defs())-1)
			}
			res.Records[def.Name] = rs
		default:
			best := rs[0]
			for _, p := range rs[1:] {
				if p.Evidence.SourceTime.After(best.Evidence.SourceTime) {
					best = p
				}
			}
			res.Person = &best
			res.IdentityConflicts = identityConflicts(rs)
		}
	})
}

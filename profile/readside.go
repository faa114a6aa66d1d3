package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/store"
)

// The read side (schema/migrations/0040_read_side.sql) lays the six history
// tables out for point reads: profile_rows holds every stored row of every
// profile dataset, ordered by (id_number, dataset, source, record_key,
// source_time) like the history tables and collapsed the same way
// (ReplacingMergeTree(ingest_time)), with what a read needs packed into one
// Array(String) column "packed"; household_members maps household_id to the
// id_numbers ever filed under it. Both are filled by materialized views on
// the history tables, in the same insert, so a row is readable the moment
// the pipelines' insert returns. Granules of 256 rows: a person is one or
// two granules of two columns, where the history tables cost one 8,192-row
// granule of every column of six tables.

// rowHeader is the number of bookkeeping values before the field values in
// a packed row: dataset, source, record_key, deleted, source_time and
// ingest_time (Unix seconds).
const rowHeader = 6

// rowExprs are the SELECT expressions of a dataset's packed row, as its
// read-side materialized view computes them from the history table: the
// header (rowHeader), then every field but id_number (valueFields,
// fieldExpr). TestReadSideViewsMatchSchema checks the migrations against it.
func rowExprs(def *facts.Def) []string {
	out := []string{store.QuoteString(def.Name), "source", "record_key", "toString(deleted)",
		"toString(toUnixTimestamp(source_time))", "toString(toUnixTimestamp(ingest_time))"}
	for _, f := range valueFields(def) {
		out = append(out, fieldExpr(f))
	}
	return out
}

// viewSelect is the SELECT of a dataset's read-side materialized view.
func viewSelect(def *facts.Def) string {
	household := "'' AS household_id"
	if def.Name == facts.DatasetPerson {
		household = "household_id"
	}
	return fmt.Sprintf("SELECT id_number, %s AS dataset, source, record_key, source_time, ingest_time, %s, [%s] AS packed FROM {db}.%s",
		store.QuoteString(def.Name), household, strings.Join(rowExprs(def), ", "), def.Name)
}

// unpack turns a packed row of id into a dsRow.
func unpack(id string, row []string) (dsRow, error) {
	if len(row) < rowHeader {
		return dsRow{}, fmt.Errorf("cannot read a profile row: %d values, want at least %d", len(row), rowHeader)
	}
	deleted, err1 := strconv.ParseUint(row[3], 10, 8)
	st, err2 := strconv.ParseInt(row[4], 10, 64)
	it, err3 := strconv.ParseInt(row[5], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return dsRow{}, fmt.Errorf("cannot read a %s row: bad bookkeeping %q", row[0], row[3:rowHeader])
	}
	return dsRow{ds: row[0], id: id, vals: row[rowHeader:], bk: bookkeeping{
		source: row[1], recordKey: row[2], deleted: uint8(deleted),
		sourceTime: time.Unix(st, 0).UTC(), ingestTime: time.Unix(it, 0).UTC(),
	}}, nil
}

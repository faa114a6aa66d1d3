package arrowbatch

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// InsertBlockRows is the most rows of one block an INSERT sends. The server
// squashes the blocks of one INSERT into one part, but clickhouse-go builds
// a block's columns whole and encodes it into its connection's buffer, which
// every pooled connection keeps at its largest size: blocks of a whole
// batch (20,000 to 120,000 rows) kept tens of MB on the heap.
const InsertBlockRows = 4096

// Insert writes a record batch into table (a quoted "db.table" name) in one
// ClickHouse INSERT naming the record's columns, appending whole columns.
// It returns after the server acknowledged the insert. An empty record is a
// no-op. Nulls are not supported (dataset columns are not Nullable).
func Insert(ctx context.Context, conn driver.Conn, table string, rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	sch := rec.Schema()
	names := make([]string, sch.NumFields())
	for i, f := range sch.Fields() {
		names[i] = "`" + f.Name + "`"
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+strings.Join(names, ", ")+")")
	if err != nil {
		return fmt.Errorf("cannot prepare insert into %s: %w", table, err)
	}
	defer func() {
		if !batch.IsSent() {
			_ = batch.Abort()
		}
	}()
	// The rows go in blocks of InsertBlockRows (the server squashes the
	// blocks of one INSERT into one part), so the client's copy of a block
	// stays small.
	n := rec.NumRows()
	for lo := int64(0); lo < n; lo += InsertBlockRows {
		part := rec.NewSlice(lo, min(lo+InsertBlockRows, n))
		for i, col := range part.Columns() {
			values, err := columnValues(col)
			if err == nil {
				err = batch.Column(i).Append(values)
			}
			if err != nil {
				part.Release()
				return fmt.Errorf("cannot insert into %s: column %s: %w", table, sch.Field(i).Name, err)
			}
		}
		part.Release()
		if lo+InsertBlockRows < n {
			if err := batch.Flush(); err != nil {
				return fmt.Errorf("cannot insert into %s: %w", table, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", table, err)
	}
	return nil
}

// columnValues returns an Arrow column as the slice clickhouse-go appends to
// the matching ClickHouse column type, whole: the Arrow value buffers
// themselves for integers (clickhouse-go copies them into its block), string
// headers pointing into the Arrow data buffer for strings, the seconds of a
// timestamp as int64 (DateTime), and times only for Date (which clickhouse-go
// accepts no other way).
func columnValues(col arrow.Array) (any, error) {
	if col.NullN() > 0 {
		return nil, fmt.Errorf("has %d nulls", col.NullN())
	}
	switch c := col.(type) {
	case *array.String:
		out := make([]string, c.Len())
		for i := range out {
			out[i] = c.Value(i) // no copy: a view of the Arrow buffer
		}
		return out, nil
	case *array.Date32:
		out := make([]time.Time, c.Len())
		for i, v := range c.Date32Values() {
			out[i] = v.ToTime()
		}
		return out, nil
	case *array.Timestamp:
		if unit := c.DataType().(*arrow.TimestampType).Unit; unit != arrow.Second {
			return nil, fmt.Errorf("timestamp unit %s, want seconds", unit)
		}
		ts := c.TimestampValues()
		if len(ts) == 0 {
			return []int64{}, nil
		}
		return unsafe.Slice((*int64)(unsafe.Pointer(&ts[0])), len(ts)), nil // arrow.Timestamp is an int64
	case *array.Int64:
		return c.Int64Values(), nil
	case *array.Int32:
		return c.Int32Values(), nil
	case *array.Uint8:
		return c.Uint8Values(), nil
	}
	return nil, fmt.Errorf("unsupported Arrow type %s", col.DataType())
}

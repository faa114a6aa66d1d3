package arrowbatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

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
	for i, col := range rec.Columns() {
		values, err := columnValues(col)
		if err != nil {
			return fmt.Errorf("cannot insert into %s: column %s: %w", table, sch.Field(i).Name, err)
		}
		if err := batch.Column(i).Append(values); err != nil {
			return fmt.Errorf("cannot insert into %s: column %s: %w", table, sch.Field(i).Name, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", table, err)
	}
	return nil
}

// columnValues converts an Arrow column to the Go slice clickhouse-go appends
// to the matching ClickHouse column type.
func columnValues(col arrow.Array) (any, error) {
	if col.NullN() > 0 {
		return nil, fmt.Errorf("has %d nulls", col.NullN())
	}
	switch c := col.(type) {
	case *array.String:
		out := make([]string, c.Len())
		for i := range out {
			out[i] = c.Value(i)
		}
		return out, nil
	case *array.Date32:
		out := make([]time.Time, c.Len())
		for i, v := range c.Date32Values() {
			out[i] = v.ToTime()
		}
		return out, nil
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		out := make([]time.Time, c.Len())
		for i, v := range c.TimestampValues() {
			out[i] = v.ToTime(unit)
		}
		return out, nil
	case *array.Int64:
		return append([]int64(nil), c.Int64Values()...), nil
	case *array.Int32:
		return append([]int32(nil), c.Int32Values()...), nil
	case *array.Uint8:
		return append([]uint8(nil), c.Uint8Values()...), nil
	}
	return nil, fmt.Errorf("unsupported Arrow type %s", col.DataType())
}

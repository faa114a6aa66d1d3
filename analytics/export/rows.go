package export

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// copyRows runs query and writes its rows to out in record batches of
// batchRows rows. clickhouse-go reads the result block by block, so at most a
// few blocks and one batch are in memory at a time.
func copyRows(ctx context.Context, conn driver.Conn, query string, sc *arrow.Schema, batchRows int, out sink) (Result, error) {
	b := array.NewRecordBuilder(memory.NewGoAllocator(), sc)
	defer b.Release()
	cols := make([]column, sc.NumFields())
	dest := make([]any, sc.NumFields())
	for i, f := range sc.Fields() {
		c, err := newColumn(f, b.Field(i))
		if err != nil {
			return Result{}, err
		}
		cols[i], dest[i] = c, c.dest()
	}
	// Small blocks from the server: clickhouse-go holds a few decoded blocks
	// while we turn one into Arrow.
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_block_size": blockRows}))
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return Result{}, fmt.Errorf("cannot read the table to export: %w", err)
	}
	defer rows.Close()
	var res Result
	pending := 0
	flush := func() error {
		rec := b.NewRecord()
		defer rec.Release()
		if err := out.write(rec); err != nil {
			return fmt.Errorf("cannot write a record batch: %w", err)
		}
		res.Batches++
		pending = 0
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return res, fmt.Errorf("cannot read a row to export: %w", err)
		}
		for _, c := range cols {
			c.append()
		}
		res.Rows++
		if pending++; pending == batchRows {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("cannot read the table to export: %w", err)
	}
	if pending > 0 {
		if err := flush(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// blockRows is the block size asked of ClickHouse for the export query.
const blockRows = 8192

// column scans one ClickHouse column into dest() and appends the value to
// its Arrow builder.
type column interface {
	dest() any
	append()
}

type scalar[T any] struct {
	v   T
	add func(T)
}

func (c *scalar[T]) dest() any { return &c.v }
func (c *scalar[T]) append()   { c.add(c.v) }

// nullable scans a Nullable(T) column (clickhouse-go scans it into **T).
type nullable[T any] struct {
	v    *T
	add  func(T)
	null func()
}

func (c *nullable[T]) dest() any { return &c.v }
func (c *nullable[T]) append() {
	if c.v == nil {
		c.null()
		return
	}
	c.add(*c.v)
}

func newColumn(f arrow.Field, b array.Builder) (column, error) {
	switch bb := b.(type) {
	case *array.StringBuilder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Uint8Builder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Uint16Builder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Uint64Builder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Int32Builder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Int64Builder:
		return wrap(f, bb.Append, bb.AppendNull), nil
	case *array.Date32Builder:
		return wrap(f, func(t time.Time) { bb.Append(date32(t)) }, bb.AppendNull), nil
	case *array.TimestampBuilder:
		return wrap(f, func(t time.Time) { bb.Append(arrow.Timestamp(t.Unix())) }, bb.AppendNull), nil
	}
	return nil, fmt.Errorf("cannot export column %s: no reader for Arrow type %s", f.Name, f.Type)
}

func wrap[T any](f arrow.Field, add func(T), null func()) column {
	if f.Nullable {
		return &nullable[T]{add: add, null: null}
	}
	return &scalar[T]{add: add}
}

// date32 is the Arrow day number of t's calendar date (whatever location
// clickhouse-go gives the Date in).
func date32(t time.Time) arrow.Date32 {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return arrow.Date32(d.Unix() / 86400)
}

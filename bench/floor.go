package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/store"
)

// floorBatchRows is the size of one INSERT of the floor: a ClickHouse bulk
// insert (the hub's pipelines insert batch_rows, 20,000 by default).
const floorBatchRows = 100_000

// floorInsert is the ingest floor: ClickHouse's own bulk insert, native
// protocol, one client, of the rows hub A loaded, into the project's own
// tables (with their materialized views) in a scratch database. The rows
// are read back with SELECT (untimed) and inserted in batches of
// floorBatchRows; only the inserts are timed.
func (r *run) floorInsert(ctx context.Context, in *Ingest) error {
	o := r.o
	src := store.QuoteIdent("bench_" + r.id)
	ch := clickhouseConfig(r.chAddr, "bench_"+r.id+"_floor")
	r.dbs = append(r.dbs, ch.Database, ch.AnalyticsDatabase)
	if err := migrate(ctx, ch); err != nil {
		return err
	}
	dst := store.QuoteIdent(ch.Database)
	o.logf("floor: ClickHouse bulk insert of the %d loaded rows into %s, %d rows per insert", in.Rows, ch.Database, floorBatchRows)
	var spent time.Duration
	var rows int64
	for _, ds := range datasets {
		n, d, err := copyTable(ctx, r.conn, src+"."+ds, dst+"."+ds, ds)
		if err != nil {
			return err
		}
		rows += n
		spent += d
	}
	in.FloorInsertRows, in.FloorInsertSeconds, in.FloorBatchRows = rows, spent.Seconds(), floorBatchRows
	in.FloorInsertRowsPerS = float64(rows) / spent.Seconds()
	o.logf("floor: %d rows in %.1f s of inserts: %.0f rows/s", rows, in.FloorInsertSeconds, in.FloorInsertRowsPerS)
	return nil
}

// copyTable reads every row of from and inserts it into to (same columns),
// returning the rows and the time spent inserting.
func copyTable(ctx context.Context, conn driver.Conn, from, to, table string) (int64, time.Duration, error) {
	cols, err := tableColumns(ctx, conn, from)
	if err != nil {
		return 0, 0, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = store.QuoteIdent(c.name)
	}
	list := strings.Join(names, ", ")
	rows, err := conn.Query(ctx, "SELECT "+list+" FROM "+from)
	if err != nil {
		return 0, 0, fmt.Errorf("floor: cannot read %s: %w", table, err)
	}
	defer rows.Close()
	buf := newColumnBuffer(cols)
	var total int64
	var spent time.Duration
	flush := func() error {
		if buf.len() == 0 {
			return nil
		}
		t0 := time.Now()
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+to+" ("+list+")")
		if err != nil {
			return fmt.Errorf("floor: cannot prepare insert into %s: %w", table, err)
		}
		for i, v := range buf.values() {
			if err := batch.Column(i).Append(v); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("floor: cannot insert into %s: %w", table, err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("floor: cannot insert into %s: %w", table, err)
		}
		spent += time.Since(t0)
		total += int64(buf.len())
		buf.reset()
		return nil
	}
	dst := buf.scanTargets()
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return 0, 0, fmt.Errorf("floor: cannot read %s: %w", table, err)
		}
		buf.keep()
		if buf.len() >= floorBatchRows {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("floor: cannot read %s: %w", table, err)
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return total, spent, nil
}

type column struct{ name, typ string }

// tableColumns lists a table's columns and types in order (DESCRIBE
// TABLE; 18.16's system.columns has no position).
func tableColumns(ctx context.Context, conn driver.Conn, table string) ([]column, error) {
	rows, err := conn.Query(ctx, "DESCRIBE TABLE "+table)
	if err != nil {
		return nil, fmt.Errorf("cannot list the columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		cells := make([]string, len(rows.Columns()))
		dst := make([]any, len(cells))
		for i := range cells {
			dst[i] = &cells[i]
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("cannot list the columns of %s: %w", table, err)
		}
		out = append(out, column{name: cells[0], typ: cells[1]})
	}
	return out, rows.Err()
}

// columnBuffer collects scanned rows column by column, as the Go slices a
// batch column appends.
type columnBuffer struct {
	cols []bufferColumn
	n    int
}

type bufferColumn interface {
	target() any // where Scan writes the current row's value
	keep()       // append the current value
	values() any // the kept values as a slice
	reset()
}

type typedColumn[T any] struct {
	cur  T
	vals []T
}

func (c *typedColumn[T]) target() any { return &c.cur }
func (c *typedColumn[T]) keep()       { c.vals = append(c.vals, c.cur) }
func (c *typedColumn[T]) values() any { return c.vals }
func (c *typedColumn[T]) reset()      { c.vals = c.vals[:0] }

// newColumnBuffer returns a buffer for columns of the ClickHouse types the
// dataset tables use (String, Date, DateTime, Int64, Int32, UInt8).
func newColumnBuffer(cols []column) *columnBuffer {
	b := &columnBuffer{}
	for _, c := range cols {
		var bc bufferColumn
		switch c.typ {
		case "Date", "DateTime":
			bc = &typedColumn[time.Time]{}
		case "Int64":
			bc = &typedColumn[int64]{}
		case "Int32":
			bc = &typedColumn[int32]{}
		case "UInt8":
			bc = &typedColumn[uint8]{}
		default:
			bc = &typedColumn[string]{}
		}
		b.cols = append(b.cols, bc)
	}
	return b
}

func (b *columnBuffer) scanTargets() []any {
	out := make([]any, len(b.cols))
	for i, c := range b.cols {
		out[i] = c.target()
	}
	return out
}

func (b *columnBuffer) len() int { return b.n }

// keep appends the row just scanned.
func (b *columnBuffer) keep() {
	for _, c := range b.cols {
		c.keep()
	}
	b.n++
}

// values returns the column slices in column order.
func (b *columnBuffer) values() []any {
	out := make([]any, len(b.cols))
	for i, c := range b.cols {
		out[i] = c.values()
	}
	return out
}

func (b *columnBuffer) reset() {
	for _, c := range b.cols {
		c.reset()
	}
	b.n = 0
}

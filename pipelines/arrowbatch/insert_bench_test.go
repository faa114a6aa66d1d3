package arrowbatch

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// employmentRows normalizes n payroll records of realistic widths.
func employmentRows(b *testing.B, n int) []record.Row {
	b.Helper()
	src := &config.Source{Name: "payroll", Dataset: "employment"}
	ingest := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	rows := make([]record.Row, n)
	for i := range rows {
		env := &schema.Envelope{Source: "payroll", Dataset: "employment", RecordKey: fmt.Sprintf("1101051980010100%02d|2026-%02d|91110105MA01ABCD2X|工资", i%100, i%12+1),
			Op: schema.OpUpsert, SourceTime: ingest.Add(-time.Duration(i) * time.Minute), Fields: map[string]string{
				"id_number": "11010519491231002X", "employer_name": "北京朝阳某某科技有限公司", "period": fmt.Sprintf("2026-%02d", i%12+1),
				"gross_income_fen": fmt.Sprintf("%d.50", 3000+i%9000), "income_kind": "工资"}}
		row, _, err := record.Normalize(env, src, ingest)
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = row
	}
	return rows
}

// BenchmarkInsertArrowColumns inserts 20,000 employment rows the pipelines'
// way: typed Arrow columns, each handed to clickhouse-go whole. Compare with
// BenchmarkInsertRowByRow (the same rows, one Append per row):
//
//	go test -run '^$' -bench 'Insert(ArrowColumns|RowByRow)' -benchtime 20x ./pipelines/arrowbatch/
func BenchmarkInsertArrowColumns(b *testing.B) {
	conn, cfg := storetest.New(b)
	rows := employmentRows(b, 20000)
	ds := schema.Datasets["employment"]
	table := store.QuoteIdent(cfg.Database) + ".employment"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		builder := NewBuilder(memory.DefaultAllocator, ds, "bench/1")
		builder.Reserve(len(rows))
		for _, r := range rows {
			if err := builder.Append(r); err != nil {
				b.Fatal(err)
			}
		}
		rec := builder.NewRecord()
		if err := Insert(ctx, conn, table, rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
		builder.Release()
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkInsertRowByRow inserts the rows of BenchmarkInsertArrowColumns
// with one batch.Append(values...) per row (clickhouse-go converts every
// cell by its Go type).
func BenchmarkInsertRowByRow(b *testing.B) {
	conn, cfg := storetest.New(b)
	rows := employmentRows(b, 20000)
	ds := schema.Datasets["employment"]
	q := "INSERT INTO " + store.QuoteIdent(cfg.Database) + ".employment (" + strings.Join(ds.ColumnNames(), ", ") + ")"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		batch, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		vals := make([]any, 0, len(ds.Fields)+6)
		for _, r := range rows {
			deleted := uint8(0)
			if r.Deleted {
				deleted = 1
			}
			vals = append(append(vals[:0], r.Values...), r.Source, r.RecordKey, deleted, r.SourceTime, r.IngestTime, "bench/1")
			if err := batch.Append(vals...); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBlockArrowColumns and BenchmarkBlockRowByRow build the insert
// block of the same 20,000 rows on the client and abort the insert instead
// of sending it: the client's share alone (Arrow columns handed over whole
// vs clickhouse-go converting every cell).
func BenchmarkBlockArrowColumns(b *testing.B) {
	conn, cfg := storetest.New(b)
	rows := employmentRows(b, 20000)
	ds := schema.Datasets["employment"]
	names := make([]string, 0, len(ds.ColumnNames()))
	for _, c := range ds.ColumnNames() {
		names = append(names, "`"+c+"`")
	}
	q := "INSERT INTO " + store.QuoteIdent(cfg.Database) + ".employment (" + strings.Join(names, ", ") + ")"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		builder := NewBuilder(memory.DefaultAllocator, ds, "bench/1")
		builder.Reserve(len(rows))
		for _, r := range rows {
			if err := builder.Append(r); err != nil {
				b.Fatal(err)
			}
		}
		rec := builder.NewRecord()
		batch, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		for i, col := range rec.Columns() {
			values, err := columnValues(col)
			if err == nil {
				err = batch.Column(i).Append(values)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		_ = batch.Abort()
		rec.Release()
		builder.Release()
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkBlockRowByRow(b *testing.B) {
	conn, cfg := storetest.New(b)
	rows := employmentRows(b, 20000)
	ds := schema.Datasets["employment"]
	q := "INSERT INTO " + store.QuoteIdent(cfg.Database) + ".employment (" + strings.Join(ds.ColumnNames(), ", ") + ")"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		batch, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		vals := make([]any, 0, len(ds.Fields)+6)
		for _, r := range rows {
			deleted := uint8(0)
			if r.Deleted {
				deleted = 1
			}
			vals = append(append(vals[:0], r.Values...), r.Source, r.RecordKey, deleted, r.SourceTime, r.IngestTime, "bench/1")
			if err := batch.Append(vals...); err != nil {
				b.Fatal(err)
			}
		}
		_ = batch.Abort()
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

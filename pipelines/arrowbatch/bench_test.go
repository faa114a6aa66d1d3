package arrowbatch

import (
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
)

// Benchmarks of the columnar batch between normalization and the ClickHouse
// insert (run: go test -run '^$' -bench . -benchmem ./pipelines/arrowbatch/).
// One op is one row: appended to the builder, and converted to the insert's
// column slices, with a batch cut every batchRows rows as the loader does.

const batchRows = 20000

func benchPersonRow(b *testing.B) record.Row {
	src := &config.Source{Name: "hukou", Dataset: "person"}
	env := &schema.Envelope{Source: "hukou", Dataset: "person", RecordKey: "11010519491231002X", Op: schema.OpUpsert,
		SourceTime: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC),
		Fields: map[string]string{
			"id_number": "11010519491231002X", "name": "张伟", "sex": "1", "birth_date": "1949-12-31",
			"ethnicity": "01", "household_id": "H110105000123", "relation_to_head": "02",
			"hukou_division": "110105003", "hukou_address": "北京市朝阳区建国路88号院4号楼1203室",
			"status": "normal", "phone": "13812345678",
		}}
	row, _, err := record.Normalize(env, src, time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	return row
}

// BenchmarkAppend: one row into the builder (a record cut and released
// every batchRows rows).
func BenchmarkAppend(b *testing.B) {
	row := benchPersonRow(b)
	bld := NewBuilder(memory.NewGoAllocator(), schema.Datasets["person"], "bench/1")
	defer bld.Release()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := bld.Append(row); err != nil {
			b.Fatal(err)
		}
		if n++; n == batchRows {
			bld.NewRecord().Release()
			n = 0
		}
	}
}

// BenchmarkColumns: a batch of batchRows person rows turned into the column
// slices Insert appends; reported per row.
func BenchmarkColumns(b *testing.B) {
	row := benchPersonRow(b)
	bld := NewBuilder(memory.NewGoAllocator(), schema.Datasets["person"], "bench/1")
	defer bld.Release()
	for range batchRows {
		if err := bld.Append(row); err != nil {
			b.Fatal(err)
		}
	}
	rec := bld.NewRecord()
	defer rec.Release()
	b.ReportAllocs()
	for b.Loop() {
		for _, col := range rec.Columns() {
			if _, err := columnValues(col); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batchRows), "ns/row")
}

// Package arrowbatch derives the Arrow schemas of the canonical datasets
// (schema.Datasets), builds Arrow record batches from normalized rows
// (pipelines/record), and inserts a record batch into a dataset's ClickHouse
// table column by column.
//
// Arrow types by field kind: String for id_number, name, text, code, enum,
// division, credit_code and phone; Date32 for month (date is an ISO string); Timestamp
// (seconds, UTC) for datetime; Int64 for fen; Int32 for int; Uint8 for bool.
// The bookkeeping columns (schema.BookkeepingColumns) follow the fields:
// source, record_key and pipeline_version String, deleted Uint8, source_time
// and ingest_time Timestamp(s, UTC). Field names are the column names.
package arrowbatch

import (
	"fmt"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
)

// TimestampUTC is the Arrow type of datetime fields and of source_time and
// ingest_time: whole seconds, UTC (ClickHouse DateTime).
var TimestampUTC = &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}

// Type returns the Arrow type of a field kind.
func Type(k schema.Kind) arrow.DataType {
	switch k {
	case schema.KindMonth:
		return arrow.FixedWidthTypes.Date32
	case schema.KindDateTime:
		return TimestampUTC
	case schema.KindFen:
		return arrow.PrimitiveTypes.Int64
	case schema.KindInt:
		return arrow.PrimitiveTypes.Int32
	case schema.KindBool:
		return arrow.PrimitiveTypes.Uint8
	}
	return arrow.BinaryTypes.String
}

// Schema returns the Arrow schema of a dataset's table: one non-nullable
// field per dataset field, then the bookkeeping columns, in the order of
// ds.ColumnNames().
func Schema(ds schema.Dataset) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(ds.Fields)+len(schema.BookkeepingColumns))
	for _, f := range ds.Fields {
		fields = append(fields, arrow.Field{Name: f.Name, Type: Type(f.Kind)})
	}
	fields = append(fields,
		arrow.Field{Name: "source", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "record_key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "deleted", Type: arrow.PrimitiveTypes.Uint8},
		arrow.Field{Name: "source_time", Type: TimestampUTC},
		arrow.Field{Name: "ingest_time", Type: TimestampUTC},
		arrow.Field{Name: "pipeline_version", Type: arrow.BinaryTypes.String},
	)
	return arrow.NewSchema(fields, nil)
}

// Builder accumulates rows of one dataset into an Arrow record batch.
// Not safe for concurrent use.
type Builder struct {
	ds      schema.Dataset
	version string
	b       *array.RecordBuilder
}

// NewBuilder returns a builder for dataset ds whose rows carry the given
// pipeline version. Release it when done.
func NewBuilder(mem memory.Allocator, ds schema.Dataset, pipelineVersion string) *Builder {
	return &Builder{ds: ds, version: pipelineVersion, b: array.NewRecordBuilder(mem, Schema(ds))}
}

// Append adds one row. The row must belong to the builder's dataset and hold
// values of the Go types record.GoType gives; otherwise nothing is appended
// and an error says which column is wrong.
func (b *Builder) Append(r record.Row) error {
	if r.Dataset != b.ds.Name || len(r.Values) != len(b.ds.Fields) {
		return fmt.Errorf("cannot append row of %s (%d values) to a %s batch", r.Dataset, len(r.Values), b.ds.Name)
	}
	for i, f := range b.ds.Fields {
		if got, want := fmt.Sprintf("%T", r.Values[i]), record.GoType(f.Kind).String(); got != want {
			return fmt.Errorf("cannot append %s: value of type %s, want %s", f.Name, got, want)
		}
	}
	for i, v := range r.Values {
		appendValue(b.b.Field(i), v)
	}
	n := len(r.Values)
	deleted := uint8(0)
	if r.Deleted {
		deleted = 1
	}
	appendValue(b.b.Field(n), r.Source)
	appendValue(b.b.Field(n+1), r.RecordKey)
	appendValue(b.b.Field(n+2), deleted)
	appendValue(b.b.Field(n+3), r.SourceTime)
	appendValue(b.b.Field(n+4), r.IngestTime)
	appendValue(b.b.Field(n+5), b.version)
	return nil
}

// appendValue appends v, whose type was checked, to the column builder.
func appendValue(col array.Builder, v any) {
	switch c := col.(type) {
	case *array.StringBuilder:
		c.Append(v.(string))
	case *array.Date32Builder:
		c.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.TimestampBuilder:
		c.Append(arrow.Timestamp(v.(time.Time).Unix()))
	case *array.Int64Builder:
		c.Append(v.(int64))
	case *array.Int32Builder:
		c.Append(v.(int32))
	case *array.Uint8Builder:
		c.Append(v.(uint8))
	}
}

// NewRecord returns the rows appended so far as a record batch and resets
// the builder. The caller releases the record.
func (b *Builder) NewRecord() arrow.Record {
	return b.b.NewRecord()
}

// Release frees the builder's buffers.
func (b *Builder) Release() { b.b.Release() }

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

// Builder accumulates rows of one dataset into an Arrow record batch, each
// value appended to its typed column builder (no reflection).
// Not safe for concurrent use.
type Builder struct {
	ds      schema.Dataset
	version string
	b       *array.RecordBuilder
	cols    []column // the dataset's fields
	// the bookkeeping columns
	source, recordKey, versionCol *array.StringBuilder
	deleted                       *array.Uint8Builder
	sourceTime, ingestTime        *array.TimestampBuilder
}

// column is one field's typed builder (the one matching its kind is set).
type column struct {
	str   *array.StringBuilder
	date  *array.Date32Builder
	ts    *array.TimestampBuilder
	i64   *array.Int64Builder
	i32   *array.Int32Builder
	u8    *array.Uint8Builder
	field string
}

// NewBuilder returns a builder for dataset ds whose rows carry the given
// pipeline version. Release it when done.
func NewBuilder(mem memory.Allocator, ds schema.Dataset, pipelineVersion string) *Builder {
	b := &Builder{ds: ds, version: pipelineVersion, b: array.NewRecordBuilder(mem, Schema(ds))}
	for i, f := range ds.Fields {
		c := column{field: f.Name}
		switch fb := b.b.Field(i).(type) {
		case *array.StringBuilder:
			c.str = fb
		case *array.Date32Builder:
			c.date = fb
		case *array.TimestampBuilder:
			c.ts = fb
		case *array.Int64Builder:
			c.i64 = fb
		case *array.Int32Builder:
			c.i32 = fb
		case *array.Uint8Builder:
			c.u8 = fb
		}
		b.cols = append(b.cols, c)
	}
	n := len(ds.Fields)
	b.source = b.b.Field(n).(*array.StringBuilder)
	b.recordKey = b.b.Field(n + 1).(*array.StringBuilder)
	b.deleted = b.b.Field(n + 2).(*array.Uint8Builder)
	b.sourceTime = b.b.Field(n + 3).(*array.TimestampBuilder)
	b.ingestTime = b.b.Field(n + 4).(*array.TimestampBuilder)
	b.versionCol = b.b.Field(n + 5).(*array.StringBuilder)
	return b
}

// Reserve makes room for n more rows in every column.
func (b *Builder) Reserve(n int) { b.b.Reserve(n) }

// Append adds one row. The row must belong to the builder's dataset and hold
// values of the Go types record.GoType gives; otherwise nothing is appended
// and an error says which column is wrong.
func (b *Builder) Append(r record.Row) error {
	if r.Dataset != b.ds.Name || len(r.Values) != len(b.ds.Fields) {
		return fmt.Errorf("cannot append row of %s (%d values) to a %s batch", r.Dataset, len(r.Values), b.ds.Name)
	}
	for i, v := range r.Values {
		if !b.cols[i].accepts(v) {
			return fmt.Errorf("cannot append %s: value of type %T, want %s", b.cols[i].field, v, record.GoType(b.ds.Fields[i].Kind))
		}
	}
	for i, v := range r.Values {
		b.cols[i].append(v)
	}
	deleted := uint8(0)
	if r.Deleted {
		deleted = 1
	}
	b.source.Append(r.Source)
	b.recordKey.Append(r.RecordKey)
	b.deleted.Append(deleted)
	b.sourceTime.Append(arrow.Timestamp(r.SourceTime.Unix()))
	b.ingestTime.Append(arrow.Timestamp(r.IngestTime.Unix()))
	b.versionCol.Append(b.version)
	return nil
}

// accepts reports whether v has the Go type of the column's kind.
func (c *column) accepts(v any) bool {
	var ok bool
	switch {
	case c.str != nil:
		_, ok = v.(string)
	case c.date != nil, c.ts != nil:
		_, ok = v.(time.Time)
	case c.i64 != nil:
		_, ok = v.(int64)
	case c.i32 != nil:
		_, ok = v.(int32)
	case c.u8 != nil:
		_, ok = v.(uint8)
	}
	return ok
}

// append appends v, whose type was checked.
func (c *column) append(v any) {
	switch {
	case c.str != nil:
		c.str.Append(v.(string))
	case c.date != nil:
		c.date.Append(arrow.Date32FromTime(v.(time.Time)))
	case c.ts != nil:
		c.ts.Append(arrow.Timestamp(v.(time.Time).Unix()))
	case c.i64 != nil:
		c.i64.Append(v.(int64))
	case c.i32 != nil:
		c.i32.Append(v.(int32))
	case c.u8 != nil:
		c.u8.Append(v.(uint8))
	}
}

// NewRecord returns the rows appended so far as a record batch and resets
// the builder. The caller releases the record.
func (b *Builder) NewRecord() arrow.Record {
	return b.b.NewRecord()
}

// Release frees the builder's buffers.
func (b *Builder) Release() { b.b.Release() }

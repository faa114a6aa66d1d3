// Package export writes one table of the analytics database — a dataset's
// de-identified current records, or its records as of a day — to a Parquet
// or Arrow IPC file for notebooks, streaming: rows are read from ClickHouse
// block by block, gathered into Arrow record batches of BatchRows rows and
// written out, so memory stays bounded whatever the table's size. Every
// column carries its data-dictionary entry (package analytics) as Arrow field
// metadata, which pyarrow, pandas and polars show.
package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/residenthub/residenthub/analytics"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Format is the file format written.
type Format string

// The formats: Parquet (columnar, compressed, row groups with statistics)
// and the Arrow IPC file format (Feather v2, read without decoding).
const (
	Parquet Format = "parquet"
	Arrow   Format = "arrow"
	// CSV (UTF-8, a header row of column names) for spreadsheets: text cells
	// that a spreadsheet would run as a formula are neutralized (package
	// csvsafe); instants are UTC, dates YYYY-MM-DD, NULL an empty cell. No
	// dictionary metadata (docs/analytics.md has it).
	CSV Format = "csv"
)

// Defaults of Options.
const (
	// DefaultBatchRows is the rows per Arrow record batch: one batch is what
	// the exporter holds in memory besides the current row group.
	DefaultBatchRows = 16 * 1024
	// DefaultRowGroupRows is the rows per Parquet row group (a few tens of
	// MB uncompressed for a dataset view): large enough for efficient column
	// scans and statistics, small enough to buffer while writing.
	DefaultRowGroupRows = 128 * 1024
)

// MemoryLimit is the soft limit of the Go heap the export command runs with
// (LimitMemory): the garbage collector works harder near it instead of
// letting the heap double, which keeps a million-row export well under
// 256 MiB resident.
const MemoryLimit = 128 << 20

// LimitMemory sets the process's Go memory limit to MemoryLimit unless
// GOMEMLIMIT sets one. For the export command; it affects the whole process.
func LimitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}

// Field metadata keys (Arrow field metadata; in Parquet inside the stored
// Arrow schema, ARROW:schema).
const (
	MetaDescription      = "description"
	MetaUnit             = "unit"
	MetaOrigin           = "origin"
	MetaDeidentification = "deidentification"
	MetaClickHouseType   = "clickhouse_type"
)

// Options say what to export.
type Options struct {
	// Table is a table or view of the analytics catalog: a dataset name
	// (person, employment, ...) exports its current view.
	Table string
	// AsOf, when not zero, exports a dataset's records as they stood at the
	// end of this calendar day in China Standard Time: per source record the
	// latest version with source_time before the next day began, deletes
	// left out. Only for datasets; its date in Asia/Shanghai is used.
	AsOf time.Time
	// Format is Parquet or Arrow.
	Format Format
	// BatchRows and RowGroupRows default to DefaultBatchRows and
	// DefaultRowGroupRows.
	BatchRows    int
	RowGroupRows int
}

// Result says what was written.
type Result struct {
	Rows    int64
	Batches int
	// RowGroups of a Parquet file (0 for Arrow).
	RowGroups int
}

// Write streams the table from database db (the analytics database) to w.
func Write(ctx context.Context, conn driver.Conn, db string, opts Options, w io.Writer) (Result, error) {
	tbl, query, err := plan(db, opts)
	if err != nil {
		return Result{}, err
	}
	sc, err := arrowSchema(tbl, opts)
	if err != nil {
		return Result{}, err
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	// The writers get a plain buffered io.Writer: they must not close w.
	buf := bufio.NewWriterSize(w, 1<<20)
	out, err := newSink(opts, sc, struct{ io.Writer }{buf})
	if err != nil {
		return Result{}, err
	}
	res, err := copyRows(ctx, conn, query, sc, opts.BatchRows, out)
	if cerr := out.close(); err == nil && cerr != nil {
		err = fmt.Errorf("cannot finish the %s file: %w", opts.Format, cerr)
	}
	if ferr := buf.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("cannot write the %s file: %w", opts.Format, ferr)
	}
	if opts.Format == Parquet && res.Rows > 0 {
		res.RowGroups = int((res.Rows + int64(opts.RowGroupRows) - 1) / int64(opts.RowGroupRows))
	}
	return res, err
}

// plan checks the options and returns the table and the query reading it.
func plan(db string, opts Options) (analytics.Table, string, error) {
	tbl, ok := analytics.Lookup(opts.Table)
	if !ok {
		return tbl, "", fmt.Errorf("cannot export %q: not a table of the analytics database (docs/analytics.md lists them)", opts.Table)
	}
	if opts.Format != Parquet && opts.Format != Arrow && opts.Format != CSV {
		return tbl, "", fmt.Errorf("cannot export %s: format %q is not parquet, arrow or csv", opts.Table, opts.Format)
	}
	cols := make([]string, len(tbl.Columns))
	for i, c := range tbl.Columns {
		cols[i] = c.Name
	}
	from := store.QuoteIdent(db) + "." + store.QuoteIdent(tbl.Name)
	if opts.AsOf.IsZero() {
		return tbl, "SELECT " + strings.Join(cols, ", ") + " FROM " + from, nil
	}
	if _, isDataset := schema.Datasets[tbl.Name]; !isDataset || tbl.Engine != "View" {
		return tbl, "", fmt.Errorf("cannot export %s as of a day: -as-of applies to the datasets' current views only", opts.Table)
	}
	return tbl, asOfQuery(db, tbl, opts.AsOf), nil
}

// asOfQuery reads a dataset's history as its current view would have shown it
// at the end of day (China time): the view's definition with source_time
// bounded.
func asOfQuery(db string, tbl analytics.Table, day time.Time) string {
	d := day.In(schema.ChinaTime)
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, schema.ChinaTime).Unix()
	cols := make([]string, len(tbl.Columns))
	for i, c := range tbl.Columns {
		cols[i] = c.Name
		if c.Expr != "" {
			cols[i] = c.Expr + " AS " + c.Name
		}
	}
	hist := store.QuoteIdent(db) + "." + store.QuoteIdent(tbl.Name+"_history")
	bound := fmt.Sprintf("source_time < toDateTime(%d)", end)
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + hist + " FINAL WHERE deleted = 0 AND " + bound +
		" AND (source, record_key_hash, source_time) IN (SELECT source, record_key_hash, max(source_time) FROM " + hist +
		" WHERE " + bound + " GROUP BY source, record_key_hash)"
}

// arrowSchema is the file's schema: one field per column with its
// dictionary entry as metadata, and the table's description and the as-of
// day as schema metadata.
func arrowSchema(tbl analytics.Table, opts Options) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(tbl.Columns))
	for i, c := range tbl.Columns {
		typ, nullable, err := arrowType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("cannot export %s.%s: %w", tbl.Name, c.Name, err)
		}
		fields[i] = arrow.Field{Name: c.Name, Type: typ, Nullable: nullable, Metadata: arrow.NewMetadata(
			[]string{MetaDescription, MetaUnit, MetaOrigin, MetaDeidentification, MetaClickHouseType},
			[]string{c.Description, c.Unit, c.Origin, c.Deidentification, c.Type})}
	}
	asOf := "current"
	if !opts.AsOf.IsZero() {
		asOf = opts.AsOf.In(schema.ChinaTime).Format(time.DateOnly)
	}
	meta := arrow.NewMetadata([]string{"residenthub.table", "residenthub.description", "residenthub.as_of"},
		[]string{tbl.Name, tbl.Description, asOf})
	return arrow.NewSchema(fields, &meta), nil
}

// arrowType maps a ClickHouse column type of the analytics database to Arrow.
// Instants become timestamps in seconds, UTC; calendar dates kept as text
// stay text (they reach before 1970 and may be ”).
func arrowType(ch string) (arrow.DataType, bool, error) {
	nullable := false
	if inner, ok := strings.CutPrefix(ch, "Nullable("); ok {
		ch, nullable = strings.TrimSuffix(inner, ")"), true
	}
	switch ch {
	case "String":
		return arrow.BinaryTypes.String, nullable, nil
	case "UInt8":
		return arrow.PrimitiveTypes.Uint8, nullable, nil
	case "UInt16":
		return arrow.PrimitiveTypes.Uint16, nullable, nil
	case "UInt64":
		return arrow.PrimitiveTypes.Uint64, nullable, nil
	case "Int32":
		return arrow.PrimitiveTypes.Int32, nullable, nil
	case "Int64":
		return arrow.PrimitiveTypes.Int64, nullable, nil
	case "Date":
		return arrow.FixedWidthTypes.Date32, nullable, nil
	case "DateTime":
		return &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, nullable, nil
	}
	return nil, false, fmt.Errorf("ClickHouse type %s has no Arrow mapping", ch)
}

// sink is the file being written: Parquet or Arrow IPC.
type sink interface {
	write(arrow.Record) error
	close() error
}

func newSink(opts Options, sc *arrow.Schema, w io.Writer) (sink, error) {
	mem := memory.NewGoAllocator()
	if opts.Format == CSV {
		return newCSVSink(sc, w)
	}
	if opts.Format == Arrow {
		fw, err := ipc.NewFileWriter(&tellWriter{w: w}, ipc.WithSchema(sc), ipc.WithAllocator(mem), ipc.WithZstd())
		if err != nil {
			return nil, fmt.Errorf("cannot start the arrow file: %w", err)
		}
		return arrowSink{fw}, nil
	}
	props := parquet.NewWriterProperties(
		parquet.WithAllocator(mem),
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(int64(opts.RowGroupRows)),
		parquet.WithStats(true),
		parquet.WithCreatedBy("residenthub export"),
	)
	fw, err := pqarrow.NewFileWriter(sc, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
	if err != nil {
		return nil, fmt.Errorf("cannot start the parquet file: %w", err)
	}
	return parquetSink{fw}, nil
}

type arrowSink struct{ fw *ipc.FileWriter }

func (s arrowSink) write(rec arrow.Record) error { return s.fw.Write(rec) }
func (s arrowSink) close() error                 { return s.fw.Close() }

// parquetSink adds each batch to the open row group; pqarrow starts a new
// one when it holds RowGroupRows rows.
type parquetSink struct{ fw *pqarrow.FileWriter }

func (s parquetSink) write(rec arrow.Record) error { return s.fw.WriteBuffered(rec) }
func (s parquetSink) close() error                 { return s.fw.Close() }

// tellWriter gives the Arrow file writer the one Seek it makes (asking the
// current position) on a stream that cannot seek.
type tellWriter struct {
	w   io.Writer
	pos int64
}

func (t *tellWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.pos += int64(n)
	return n, err
}

func (t *tellWriter) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekCurrent {
		return t.pos, errors.New("cannot seek an export stream")
	}
	return t.pos, nil
}

// ToFile writes the export to path atomically: into a temporary file beside
// it, renamed over path only when complete, so a failed or interrupted
// export never leaves a truncated file.
func ToFile(ctx context.Context, conn driver.Conn, db string, opts Options, path string) (Result, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return Result{}, fmt.Errorf("cannot create the export file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing to remove
	res, err := Write(ctx, conn, db, opts, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return res, fmt.Errorf("cannot create the export file: %w", err)
	}
	return res, nil
}

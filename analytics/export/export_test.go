package export_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/residenthub/residenthub/analytics"
	"github.com/residenthub/residenthub/analytics/export"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// China-time days of the fixture: t0 is 2026-03-01 07:30 in Beijing (the
// previous day in UTC), t1 two days later.
var (
	t0 = time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)
	t1 = t0.Add(48 * time.Hour)
)

// fixture loads a few records, with versions, a delete, empty and non-ASCII
// values, into the profile tables of a fresh database; the materialized
// views copy them into the analytics database.
func fixture(t *testing.T) (driver.Conn, config.ClickHouse) {
	t.Helper()
	conn, cfg := storetest.New(t)
	person := func(id, hh, birth, status, key string, deleted uint8, at time.Time) storetest.Row {
		return storetest.Row{"id_number": id, "name": "阿依古丽·买买提", "household_id": hh, "sex": "2", "birth_date": birth, "ethnicity": "05",
			"relation_to_head": "02", "hukou_division": "110105", "status": status, "source": "hukou", "record_key": key, "deleted": deleted,
			"source_time": at, "ingest_time": at}
	}
	storetest.Insert(t, conn, cfg, "person",
		person("110105195001011234", "H1", "1950-01-01", "normal", "k1", 0, t0),
		person("110105195001011234", "H1", "1950-01-01", "deceased", "k1", 0, t1), // a later version
		person("11010519850202123X", "H1", "", "normal", "k2", 0, t0),             // birth date unknown
		person("110105199003031236", "H2", "1990-03-03", "normal", "k3", 0, t0),
		person("110105199003031236", "", "", "", "k3", 1, t1), // deleted on t1
	)
	storetest.Insert(t, conn, cfg, "employment",
		storetest.Row{"id_number": "110105195001011234", "employer_name": "北京某某有限公司", "period": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			"gross_income_fen": int64(-1250), "income_kind": "wage", "source": "payroll", "record_key": "p1", "source_time": t0, "ingest_time": t0},
	)
	storetest.Insert(t, conn, cfg, "hotline_ticket",
		storetest.Row{"ticket_id": "T-1", "time": t0, "community_code": "110105001001", "category": "供暖", "summary": "不导出", "status": "closed",
			"closed_time": t0.Add(48 * time.Hour), "caller": "13800001234", "case_id": "HB-1", "channel": "12345",
			"source": "hotline", "record_key": "T-1", "source_time": t0, "ingest_time": t0},
	)
	return conn, cfg
}

// TestExportMatchesTheView exports tables in both formats and reads each
// file back with Arrow's own readers: the same rows as the ClickHouse view
// (compared value by value), the dictionary's descriptions as field
// metadata, and row groups of the size asked for.
func TestExportMatchesTheView(t *testing.T) {
	conn, cfg := fixture(t)
	for _, table := range []string{"person", "employment", "hotline_ticket", "resident", "household", "community_published", "intake", "person_history"} {
		for _, format := range []export.Format{export.Parquet, export.Arrow} {
			t.Run(table+"/"+string(format), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "out")
				res := writeFile(t, conn, cfg, export.Options{Table: table, Format: format, BatchRows: 2, RowGroupRows: 3}, path)
				tbl, _ := analytics.Lookup(table)
				sc, got, groups := readBack(t, path, format)
				want := viewRows(t, conn, "SELECT * FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+"."+table, len(tbl.Columns))
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("file rows:\n%s\nview rows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if res.Rows != int64(len(want)) {
					t.Errorf("Result.Rows = %d, view has %d", res.Rows, len(want))
				}
				if format == export.Parquet && groups != (len(want)+2)/3 {
					t.Errorf("%d row groups for %d rows of 3 per group", groups, len(want))
				}
				if len(sc.Fields()) != len(tbl.Columns) {
					t.Fatalf("file has %d columns, the view %d", len(sc.Fields()), len(tbl.Columns))
				}
				for i, c := range tbl.Columns {
					f := sc.Field(i)
					desc, _ := f.Metadata.GetValue(export.MetaDescription)
					deid, _ := f.Metadata.GetValue(export.MetaDeidentification)
					if f.Name != c.Name || desc != c.Description || deid != c.Deidentification {
						t.Errorf("column %d: %s %q %q, want %s %q %q", i, f.Name, desc, deid, c.Name, c.Description, c.Deidentification)
					}
				}
				if v, _ := sc.Metadata().GetValue("residenthub.table"); v != table {
					t.Errorf("schema metadata names table %q", v)
				}
			})
		}
	}
}

// TestExportAsOf: as of a day, each record as its latest version before the
// day ended in China time; a record deleted later is still there.
func TestExportAsOf(t *testing.T) {
	conn, cfg := fixture(t)
	cst := time.FixedZone("CST", 8*3600)
	cases := []struct {
		day  time.Time
		want string // status of k1, k2, k3 (sorted by person_key, shown by record)
	}{
		{time.Date(2026, 2, 28, 0, 0, 0, 0, cst), ""}, // before anything (t0 is 1 March in China)
		{time.Date(2026, 3, 1, 0, 0, 0, 0, cst), "k1 normal 1950, k2 normal 0, k3 normal 1990"},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, cst), "k1 normal 1950, k2 normal 0, k3 normal 1990"},
		{time.Date(2026, 3, 3, 0, 0, 0, 0, cst), "k1 deceased 1950, k2 normal 0"},
	}
	keyOf := map[string]string{}
	for _, k := range []string{"k1", "k2", "k3"} {
		keyOf[pseudonym(cfg, k)] = k
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "asof.parquet")
		writeFile(t, conn, cfg, export.Options{Table: "person", AsOf: c.day, Format: export.Parquet}, path)
		sc, rows, _ := readBack(t, path, export.Parquet)
		var got []string
		for _, r := range rows {
			v := strings.Split(r, "|")
			got = append(got, keyOf[v[index(sc, "record_key_hash")]]+" "+v[index(sc, "status")]+" "+v[index(sc, "birth_year")])
		}
		sort.Strings(got)
		if strings.Join(got, ", ") != c.want {
			t.Errorf("as of %s: %q, want %q", c.day.Format(time.DateOnly), strings.Join(got, ", "), c.want)
		}
		if v, _ := sc.Metadata().GetValue("residenthub.as_of"); v != c.day.Format(time.DateOnly) {
			t.Errorf("as_of metadata %q", v)
		}
	}
	// The as-of query of today equals the current view.
	path := filepath.Join(t.TempDir(), "today.arrow")
	writeFile(t, conn, cfg, export.Options{Table: "hotline_ticket", AsOf: time.Now(), Format: export.Arrow}, path)
	_, got, _ := readBack(t, path, export.Arrow)
	tbl, _ := analytics.Lookup("hotline_ticket")
	want := viewRows(t, conn, "SELECT * FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+".hotline_ticket", len(tbl.Columns))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("as of today:\n%s\nview:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestExportRejectsBadOptions: unknown tables, formats and as-of on a
// non-dataset table are errors before anything is written.
func TestExportRejectsBadOptions(t *testing.T) {
	for _, o := range []export.Options{
		{Table: "nosuch", Format: export.Parquet},
		{Table: "person", Format: "xlsx"},
		{Table: "resident", Format: export.Parquet, AsOf: time.Now()},
		{Table: "person_history", Format: export.Arrow, AsOf: time.Now()},
	} {
		var buf bytes.Buffer
		if _, err := export.Write(context.Background(), nil, "analytics", o, &buf); err == nil || buf.Len() != 0 {
			t.Errorf("%+v: err %v, %d bytes written", o, err, buf.Len())
		}
	}
}

func writeFile(t *testing.T, conn driver.Conn, cfg config.ClickHouse, o export.Options, path string) export.Result {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := export.Write(ctx, conn, cfg.AnalyticsDatabase, o, f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readBack reads an export file with Arrow's readers and returns its schema,
// its rows as "|"-joined canonical strings (sorted) and its row groups.
func readBack(t *testing.T, path string, format export.Format) (*arrow.Schema, []string, int) {
	t.Helper()
	var recs []arrow.Record
	var sc *arrow.Schema
	groups := 0
	switch format {
	case export.Parquet:
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		groups = pf.NumRowGroups()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Release()
		// The file's Arrow schema with its metadata (ARROW:schema and the
		// Parquet key-value metadata, as pyarrow reads them).
		if sc, err = fr.Schema(); err != nil {
			t.Fatal(err)
		}
		tr := array.NewTableReader(tbl, 1024)
		defer tr.Release()
		for tr.Next() {
			rec := tr.Record()
			rec.Retain()
			recs = append(recs, rec)
		}
	case export.Arrow:
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := ipc.NewFileReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		sc = r.Schema()
		for i := 0; i < r.NumRecords(); i++ {
			rec, err := r.Record(i)
			if err != nil {
				t.Fatal(err)
			}
			rec.Retain()
			recs = append(recs, rec)
		}
	}
	var rows []string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			cells := make([]string, rec.NumCols())
			for j := range cells {
				cells[j] = arrowCell(t, rec.Column(j), i)
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
		rec.Release()
	}
	sort.Strings(rows)
	return sc, rows, groups
}

func arrowCell(t *testing.T, col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Uint8:
		return fmt.Sprint(a.Value(i))
	case *array.Uint16:
		return fmt.Sprint(a.Value(i))
	case *array.Uint64:
		return fmt.Sprint(a.Value(i))
	case *array.Int32:
		return fmt.Sprint(a.Value(i))
	case *array.Int64:
		return fmt.Sprint(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.DateTime)
	}
	t.Fatalf("unexpected Arrow type %s", col.DataType())
	return ""
}

// viewRows reads a query's rows from ClickHouse as canonical strings
// (toString of every column, NULL as NULL, "|"-joined), sorted.
func viewRows(t *testing.T, conn driver.Conn, query string, ncols int) []string {
	t.Helper()
	var out []string
	for _, r := range storetest.Cells(t, conn, query) {
		if len(r) != ncols {
			t.Fatalf("%s has %d columns, the catalog %d", query, len(r), ncols)
		}
		out = append(out, strings.Join(r, "|"))
	}
	return out
}

func index(sc *arrow.Schema, name string) int {
	idx := sc.FieldIndices(name)
	if len(idx) != 1 {
		panic("no column " + name)
	}
	return idx[0]
}

// pseudonym is the analytics database's key of a value (migration 0080).
func pseudonym(cfg config.ClickHouse, v string) string { return store.Pseudonym(cfg.PseudonymSalt, v) }

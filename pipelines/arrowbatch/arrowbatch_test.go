package arrowbatch

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// clickhouseType is the ClickHouse column type an Arrow type loads into.
var clickhouseType = map[string]string{
	"utf8": "String", "date32": "Date", "timestamp[s, tz=UTC]": "DateTime",
	"int64": "Int64", "int32": "Int32", "uint8": "UInt8",
}

// TestSchemaMatchesTables checks every dataset's Arrow schema against the
// columns of its ClickHouse table (name and type, in order).
func TestSchemaMatchesTables(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, ds := range schema.Datasets {
		sch := Schema(ds)
		if got, want := len(sch.Fields()), len(ds.ColumnNames()); got != want {
			t.Fatalf("%s: %d Arrow fields, %d columns", name, got, want)
		}
		rows, err := conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", cfg.Database, name)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		for rows.Next() {
			var n, typ string
			if err := rows.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			types[n] = typ
		}
		rows.Close()
		for i, f := range sch.Fields() {
			if f.Name != ds.ColumnNames()[i] {
				t.Fatalf("%s: Arrow field %d is %s, column is %s", name, i, f.Name, ds.ColumnNames()[i])
			}
			if got, want := clickhouseType[f.Type.String()], types[f.Name]; got != want {
				t.Fatalf("%s.%s: Arrow %s loads as %q, table has %q", name, f.Name, f.Type, got, want)
			}
		}
	}
}

func TestInsertRoundTrip(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := &config.Source{Name: "hw", Dataset: "health"}
	env := &schema.Envelope{Source: "hw", Dataset: "health", RecordKey: "k1", Op: schema.OpUpsert,
		SourceTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Fields: map[string]string{"id_number": "11010519491231002X", "health_code_colour": "green",
			"health_code_time": "2026-01-02 08:00:00", "disability_grade": "2", "major_illness": "是"}}
	row, _, err := record.Normalize(env, src, time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := NewBuilder(mem, schema.Datasets["health"], "test/1")
	defer b.Release()
	if err := b.Append(row); err != nil {
		t.Fatal(err)
	}
	bad := row
	bad.Values = append([]any(nil), row.Values...)
	bad.Values[4] = int64(2)
	if err := b.Append(bad); err == nil {
		t.Fatal("wrong type accepted")
	}
	rec := b.NewRecord()
	defer rec.Release()
	if rec.NumRows() != 1 {
		t.Fatalf("%d rows", rec.NumRows())
	}
	if err := Insert(ctx, conn, store.QuoteIdent(cfg.Database)+".health", rec); err != nil {
		t.Fatal(err)
	}
	var id, colour, version string
	var codeTime, sourceTime time.Time
	var grade int32
	var ill, deleted uint8
	err = conn.QueryRow(ctx, "SELECT id_number, health_code_colour, health_code_time, disability_grade, major_illness, deleted, source_time, pipeline_version FROM "+
		store.QuoteIdent(cfg.Database)+".health").Scan(&id, &colour, &codeTime, &grade, &ill, &deleted, &sourceTime, &version)
	if err != nil {
		t.Fatal(err)
	}
	if id != "11010519491231002X" || colour != "green" || !codeTime.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) ||
		grade != 2 || ill != 1 || deleted != 0 || !sourceTime.Equal(env.SourceTime) || version != "test/1" {
		t.Fatalf("got %s %s %v %d %d %d %v %s", id, colour, codeTime, grade, ill, deleted, sourceTime, version)
	}
}

// TestInsertInBlocksMakesOnePart: a record batch of several insert blocks is
// one INSERT, and the server writes it as one part.
func TestInsertInBlocksMakesOnePart(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ds := schema.Datasets["asset"]
	b := NewBuilder(memory.DefaultAllocator, ds, "test/1")
	defer b.Release()
	n := 3*InsertBlockRows + 7
	for i := range n {
		row := record.Tombstone(ds, "s", "k"+strconv.Itoa(i), "11010519491231002X", time.Unix(int64(i), 0), time.Unix(0, 0))
		if err := b.Append(row); err != nil {
			t.Fatal(err)
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	table := store.QuoteIdent(cfg.Database) + ".asset"
	if err := Insert(ctx, conn, table, rec); err != nil {
		t.Fatal(err)
	}
	var rows, keys, parts uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(record_key) FROM "+table).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	// Parts written by inserts have level 0 (merged ones stay listed, inactive, for minutes).
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.parts WHERE database = ? AND table = 'asset' AND level = 0", cfg.Database).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if rows != uint64(n) || keys != uint64(n) || parts != 1 {
		t.Fatalf("%d rows (%d keys) in %d parts, want %d rows in 1 part", rows, keys, parts, n)
	}
}

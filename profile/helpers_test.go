package profile

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// row is one table row by column name; missing columns get zero values.
type row map[string]any

// insert writes rows into a dataset table with one PrepareBatch (INSERT ...
// VALUES hangs on ClickHouse 18.16 through this client).
func insert(t testing.TB, conn driver.Conn, cfg config.ClickHouse, table string, rows ...row) {
	t.Helper()
	ds, ok := schema.Datasets[table]
	if !ok {
		t.Fatalf("no dataset %s", table)
	}
	cols := ds.ColumnNames()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+store.QuoteIdent(cfg.Database)+"."+table+" ("+join(cols)+")")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		vals := make([]any, len(cols))
		for i, c := range cols {
			v, ok := r[c]
			if !ok {
				v = zeroOf(ds, c)
			}
			if f, isField := ds.Field(c); isField && f.Kind == schema.KindDate {
				if t, isTime := v.(time.Time); isTime {
					v = t.Format(time.DateOnly) // calendar dates are ISO strings
				}
			}
			vals[i] = v
		}
		if err := batch.Append(vals...); err != nil {
			t.Fatalf("append %s: %v", table, err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("send %s: %v", table, err)
	}
}

func zeroOf(ds schema.Dataset, col string) any {
	switch col {
	case "deleted":
		return uint8(0)
	case "source_time", "ingest_time":
		return time.Unix(0, 0).UTC()
	case "source", "record_key", "pipeline_version":
		return ""
	}
	f, _ := ds.Field(col)
	switch f.Kind {
	case schema.KindDate:
		return ""
	case schema.KindMonth, schema.KindDateTime:
		return time.Unix(0, 0).UTC()
	case schema.KindFen:
		return int64(0)
	case schema.KindInt:
		return int32(0)
	case schema.KindBool:
		return uint8(0)
	}
	return ""
}

func join(cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

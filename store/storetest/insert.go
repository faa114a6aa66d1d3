package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Row is one row of a dataset table by column name (dataset fields and
// bookkeeping columns); a missing column takes its zero value ("" for text and
// calendar dates, the epoch for months and instants, 0 for numbers). A
// calendar date may be given as a time.Time: it is stored as "2006-01-02".
type Row map[string]any

// Insert writes rows into a dataset's table the way the pipelines do: one
// batch insert naming every column.
func Insert(t testing.TB, conn driver.Conn, cfg config.ClickHouse, dataset string, rows ...Row) {
	t.Helper()
	ds, ok := schema.Datasets[dataset]
	if !ok {
		t.Fatalf("no dataset %s", dataset)
	}
	cols := ds.ColumnNames()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+store.QuoteIdent(cfg.Database)+"."+dataset+" ("+strings.Join(cols, ", ")+")")
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
					v = t.Format(time.DateOnly)
				}
			}
			vals[i] = v
		}
		if err := batch.Append(vals...); err != nil {
			t.Fatalf("append %s: %v", dataset, err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("insert %s: %v", dataset, err)
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

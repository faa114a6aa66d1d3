package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

func TestMigrateTwiceAndTablesMatchDatasets(t *testing.T) {
	conn, cfg := storetest.New(t) // first Migrate
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	again, err := store.Migrate(ctx, conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", again)
	}
	pending, err := store.Pending(ctx, conn, cfg)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	for name, ds := range schema.Datasets {
		rows, err := conn.Query(ctx, "DESCRIBE TABLE "+store.QuoteIdent(cfg.Database)+"."+name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var c, typ, defaultKind, defaultExpr, comment string
			if err := rows.Scan(&c, &typ, &defaultKind, &defaultExpr, &comment); err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		rows.Close()
		want := ds.ColumnNames()
		if len(got) != len(want) {
			t.Fatalf("table %s columns %v, want %v", name, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("table %s column %d = %s, want %s", name, i, got[i], want[i])
			}
		}
	}
}

func TestStatementsSplitAndReplace(t *testing.T) {
	f := func(sql string, want ...string) {
		t.Helper()
		got := store.Statements(sql, schemaCfg())
		if len(got) != len(want) {
			t.Fatalf("Statements(%q) = %q, want %q", sql, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Statements(%q)[%d] = %q, want %q", sql, i, got[i], want[i])
			}
		}
	}
	f("-- only a comment\n")
	f("CREATE TABLE {db}.a (x UInt8) ENGINE = Log;\n\n-- c\nSELECT 1;\n", "CREATE TABLE hub.a (x UInt8) ENGINE = Log", "-- c\nSELECT 1")
	f("CREATE VIEW {analytics_db}.v AS SELECT '{pseudonym_salt}'", "CREATE VIEW an.v AS SELECT 's'")
}

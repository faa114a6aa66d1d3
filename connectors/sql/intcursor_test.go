package sqlconn

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

// verTable creates a uniquely named table whose cursor column is a bigint
// version (as a sequence would fill it), dropped after the test.
func (d testDB) verTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "rh_" + hex.EncodeToString(b)
	exec(t, db, fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, sfzh varchar(18), name varchar(20), hh varchar(10), ver bigint NOT NULL)`, name))
	t.Cleanup(func() { db.Exec("DROP TABLE " + name) })
	return name
}

func (d testDB) insertVer(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, table string, id, ver int) {
	t.Helper()
	q := "INSERT INTO " + table + " (id, sfzh, name, hh, ver) VALUES (?, ?, ?, ?, ?)"
	if d.driver == "postgres" {
		q = "INSERT INTO " + table + " (id, sfzh, name, hh, ver) VALUES ($1, $2, $3, $4, $5)"
	}
	exec(t, db, q, id, fmt.Sprintf("S%04d", id), fmt.Sprintf("名%d", id), "H1", ver)
}

func (d testDB) verSources(t *testing.T, table, extra string) []config.Source {
	return d.verSourcesCursor(t, table, "ver", extra)
}

// verSourcesCursor is verSources with another cursor_column.
func (d testDB) verSourcesCursor(t *testing.T, table, cursor, extra string) []config.Source {
	return ct.Sources(t, fmt.Sprintf(`
- name: hr
  kind: sql
  dataset: person
  schedule: "@every 1m"
  key: [sfzh]
  fields: {id_number: sfzh, name: name, household_id: hh}
  settings:
    driver: %s
    dsn: %q
    table: %s
    cursor_column: %s
    tie_breaker: id
    page_size: 10
%s`, d.driver, d.dsn, table, cursor, extra))
}

// TestIntegerCursorLateCommit: with an integer (sequence) cursor, a
// transaction that took version 12 and commits after versions 13..22 were
// read is published by the next run thanks to lookback_rows, and nothing is
// published twice.
func TestIntegerCursorLateCommit(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 90*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.verTable(t, db)
			for i := 1; i <= 11; i++ {
				d.insertVer(t, db, table, i, i)
			}
			txA, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txA.Rollback()
			d.insertVer(t, txA, table, 12, 12) // takes ver 12, commits late
			for i := 13; i <= 22; i++ {
				d.insertVer(t, db, table, i, i)
			}
			h := ct.NewHarness(t, brokers, t.TempDir(), kindsWithClock(&clock{time.Now()}), nil, d.verSources(t, table, "    lookback_rows: 10\n"))
			run := func() {
				t.Helper()
				if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
					t.Fatal(err)
				}
			}
			run()
			if got := ids(t, ctx, brokers); len(got) != 21 || got["S0012"] != 0 {
				t.Fatalf("first pull: %v", got)
			}
			if err := txA.Commit(); err != nil {
				t.Fatal(err)
			}
			d.insertVer(t, db, table, 23, 23)
			run()
			run() // nothing new: no repeats
			got := ids(t, ctx, brokers)
			for i := 1; i <= 23; i++ {
				if n := got[fmt.Sprintf("S%04d", i)]; n != 1 {
					t.Fatalf("S%04d published %d times: %v", i, n, got)
				}
			}
			if st := h.Scheduler.Status()[0]; !strings.Contains(st.Cursor, `"ts":{"t":"int","v":"23"}`) || st.RowsPulled != 23 {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// TestIntegerCursorTimeSettings: a time-based lookback or an explicit delay
// with an integer cursor column is a configuration error at the first run
// (it used to be ignored silently), and lookback_rows with a time cursor
// too; the default delay is fine.
func TestIntegerCursorTimeSettings(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 60*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.verTable(t, db)
			d.insertVer(t, db, table, 1, 1)
			f := func(srcs []config.Source, wantErr ...string) {
				t.Helper()
				h := ct.NewHarness(t, brokers, t.TempDir(), kindsWithClock(&clock{time.Now()}), nil, srcs)
				err := h.Scheduler.RunNow(ctx, "hr")
				if len(wantErr) == 0 {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				for _, w := range wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Fatalf("err %v, want %q", err, w)
					}
				}
			}
			f(d.verSources(t, table, "    lookback: 2m\n"), `settings.lookback (2m0s) is a time window`, `"ver"`, "lookback_rows")
			f(d.verSources(t, table, "    delay: 30s\n"), `settings.delay (30s) applies to time cursor columns only`, "lookback_rows")
			f(d.verSources(t, table, "    delay: 0s\n    lookback: 0s\n"))
			f(d.verSources(t, table, ""))
			timeTable := d.table(t, db)
			f(d.sources(t, timeTable, "incremental", "    lookback_rows: 5\n"), "settings.lookback_rows is for integer cursor columns", "lookback (a duration)")
		})
	}
}

// TestCursorColumnIsTieBreaker: an increasing primary key may serve as both
// cursor_column and tie_breaker; every row is pulled once.
func TestCursorColumnIsTieBreaker(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 60*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.verTable(t, db)
			for i := 1; i <= 15; i++ {
				d.insertVer(t, db, table, i, 1)
			}
			srcs := d.verSourcesCursor(t, table, "id", "")
			h := ct.NewHarness(t, brokers, t.TempDir(), kindsWithClock(&clock{time.Now()}), nil, srcs)
			for run := 0; run < 2; run++ {
				if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
					t.Fatal(err)
				}
			}
			got := ids(t, ctx, brokers)
			for i := 1; i <= 15; i++ {
				if n := got[fmt.Sprintf("S%04d", i)]; n != 1 {
					t.Fatalf("S%04d published %d times: %v", i, n, got)
				}
			}
		})
	}
}

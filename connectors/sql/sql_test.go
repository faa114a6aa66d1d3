package sqlconn

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/residenthub/residenthub/connectors/runtime"
)

// testDB is one of the real servers on loopback.
type testDB struct {
	driver, dsn string
	tsType      string // zone-less timestamp column type
}

func testDBs(t *testing.T) []testDB {
	pg := os.Getenv("RESIDENTHUB_TEST_POSTGRES")
	if pg == "" {
		pg = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	my := os.Getenv("RESIDENTHUB_TEST_MYSQL")
	if my == "" {
		my = "root@tcp(127.0.0.1:3306)/test"
	}
	return []testDB{{"postgres", pg, "timestamp(6)"}, {"mysql", my, "datetime(6)"}}
}

func (d testDB) open(t *testing.T) *sql.DB {
	t.Helper()
	name := "pgx"
	if d.driver == "mysql" {
		name = "mysql"
	}
	db, err := sql.Open(name, d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s on loopback is not reachable (deploy/local/databases.sh start): %v", d.driver, err)
	}
	return db
}

// table creates a uniquely named table, dropped after the test.
func (d testDB) table(t *testing.T, db *sql.DB) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "rh_" + hex.EncodeToString(b)
	exec(t, db, fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, sfzh varchar(18), name varchar(20), hh varchar(10),
		amount numeric(12,2), born date, updated_at %s NOT NULL)`, name, d.tsType))
	t.Cleanup(func() { db.Exec("DROP TABLE " + name) })
	return name
}

func exec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (d testDB) insert(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, table string, id int, ts time.Time) {
	t.Helper()
	q := "INSERT INTO " + table + " (id, sfzh, name, hh, amount, born, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	if d.driver == "postgres" {
		q = "INSERT INTO " + table + " (id, sfzh, name, hh, amount, born, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	}
	// Zone-less column: store Shanghai wall-clock time as text.
	exec(t, db, q, id, fmt.Sprintf("S%04d", id), fmt.Sprintf("名%d", id), "H1", "12.50", "1990-01-02", ts.In(connectors.Shanghai).Format("2006-01-02 15:04:05.999999"))
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func (d testDB) sources(t *testing.T, table, mode, extra string) []config.Source {
	return ct.Sources(t, fmt.Sprintf(`
- name: hr
  kind: sql
  dataset: person
  schedule: "@every 1m"
  key: [sfzh]
  source_time: updated_at
  fields: {id_number: sfzh, name: name, household_id: hh, hukou_address: amount, birth_date: born}
  settings:
    driver: %s
    dsn: %q
    table: %s
    mode: %s
    cursor_column: updated_at
    tie_breaker: id
    page_size: 10
%s`, d.driver, d.dsn, table, mode, extra))
}

func kindsWithClock(c *clock) map[string]connectors.Factory {
	return map[string]connectors.Factory{"sql": func(src *config.Source) (connectors.Puller, error) {
		p, err := New(src)
		if err != nil {
			return nil, err
		}
		p.(*Conn).now = c.Now
		return p, nil
	}}
}

func ids(t *testing.T, ctx context.Context, brokers []string) map[string]int {
	return ct.CountKeys(ct.Envelopes(t, ctx, brokers, "hr"))
}

// TestIncrementalHardCases: rows sharing a timestamp across pages, a row
// inserted after a pull with a timestamp equal to the cursor (and a smaller
// key), and a transaction that commits after a later one.
func TestIncrementalHardCases(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 90*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.table(t, db)
			T := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
			for i := 1; i <= 25; i++ { // groups of three share a timestamp
				d.insert(t, db, table, i, T.Add(-10*time.Minute+time.Duration(i/3)*time.Second))
			}
			clk := &clock{T}
			h := ct.NewHarness(t, brokers, t.TempDir(), kindsWithClock(clk), nil, d.sources(t, table, "incremental", "    delay: 30s\n"))
			run := func() {
				t.Helper()
				if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
					t.Fatal(err)
				}
			}
			run()
			got := ids(t, ctx, brokers)
			if len(got) != 25 {
				t.Fatalf("first pull: %d keys", len(got))
			}
			// Equal to the cursor (the last group's timestamp), smaller key.
			d.insert(t, db, table, 0, T.Add(-10*time.Minute+8*time.Second))
			// Transaction A takes its timestamp first but commits after B.
			txA, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txA.Rollback()
			d.insert(t, txA, table, 200, T.Add(40*time.Second))
			d.insert(t, db, table, 201, T.Add(50*time.Second)) // B, committed
			clk.t = T.Add(60 * time.Second)                    // A and B are younger than the delay
			run()
			got = ids(t, ctx, brokers)
			if got["S0000"] != 1 || got["S0200"] != 0 || got["S0201"] != 0 {
				t.Fatalf("second pull: %v", got)
			}
			if err := txA.Commit(); err != nil {
				t.Fatal(err)
			}
			clk.t = T.Add(100 * time.Second)
			run()
			run() // nothing new: no repeats
			got = ids(t, ctx, brokers)
			for i := range 26 {
				if got[fmt.Sprintf("S%04d", i)] != 1 {
					t.Fatalf("S%04d published %d times", i, got[fmt.Sprintf("S%04d", i)])
				}
			}
			if got["S0200"] != 1 || got["S0201"] != 1 || len(got) != 28 {
				t.Fatalf("after commit: %v", got)
			}
			for _, e := range ct.Envelopes(t, ctx, brokers, "hr") {
				if e.RecordKey == "S0201" {
					if !e.SourceTime.Equal(T.Add(50*time.Second)) || e.Fields["hukou_address"] != "12.50" || e.Fields["birth_date"] != "1990-01-02" || e.Fields["name"] != "名201" {
						t.Fatalf("envelope %+v", e)
					}
				}
			}
			if st := h.Scheduler.Status()[0]; !strings.Contains(st.Cursor, `"ts"`) || st.RowsPulled != 28 {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// TestLookback: with no delay, a transaction committing after a later one
// is caught by re-reading the lookback window, without repeating rows.
func TestLookback(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 90*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.table(t, db)
			T := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
			d.insert(t, db, table, 1, T)
			txA, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txA.Rollback()
			d.insert(t, txA, table, 2, T.Add(10*time.Second))
			d.insert(t, db, table, 3, T.Add(20*time.Second))
			clk := &clock{T.Add(time.Hour)}
			h := ct.NewHarness(t, brokers, t.TempDir(), kindsWithClock(clk), nil, d.sources(t, table, "incremental", "    delay: 0s\n    lookback: 5m\n"))
			if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
				t.Fatal(err)
			}
			if err := txA.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
				t.Fatal(err)
			}
			got := ids(t, ctx, brokers)
			if len(got) != 3 || got["S0001"] != 1 || got["S0002"] != 1 || got["S0003"] != 1 {
				t.Fatalf("published %v", got)
			}
		})
	}
}

// TestSnapshotCrash: a snapshot whose checkpoint fails after the first page
// resumes after the last checkpointed page (no loss, repeats at most one
// page); the next run reads everything again.
func TestSnapshotCrash(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 90*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.table(t, db)
			for i := 1; i <= 25; i++ {
				d.insert(t, db, table, i, time.Now())
			}
			dataDir := t.TempDir()
			fc, err := runtime.NewFileCheckpoints(dataDir + "/checkpoints")
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{time.Now()}
			srcs := d.sources(t, table, "snapshot", "")
			crash := ct.NewHarness(t, brokers, dataDir, kindsWithClock(clk), &ct.FailingCheckpoints{Checkpoints: fc, Allow: 1}, srcs)
			if err := crash.Scheduler.RunNow(ctx, "hr"); err == nil {
				t.Fatal("want the injected crash")
			}
			h := ct.NewHarness(t, brokers, dataDir, kindsWithClock(clk), nil, srcs)
			if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
				t.Fatal(err)
			}
			got := ids(t, ctx, brokers)
			repeats := 0
			for i := 1; i <= 25; i++ {
				n := got[fmt.Sprintf("S%04d", i)]
				if n == 0 {
					t.Fatalf("S%04d lost", i)
				}
				repeats += n - 1
			}
			if repeats > 10 {
				t.Fatalf("%d repeats", repeats)
			}
			if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
				t.Fatal(err)
			}
			if n := len(ct.Envelopes(t, ctx, brokers, "hr")); n != 25+repeats+25 {
				t.Fatalf("second snapshot: %d envelopes in all", n)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	f := func(settings, wantErr string) {
		t.Helper()
		src := ct.Sources(t, `
- name: hr
  kind: sql
  dataset: person
  key: [sfzh]
  fields: {id_number: sfzh, name: name, household_id: hh}
  settings:
`+settings)[0]
		_, err := New(&src)
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Fatalf("settings %q: err %v, want %q", settings, err, wantErr)
		}
	}
	base := "    driver: postgres\n    dsn: x\n    table: t\n    tie_breaker: id\n"
	f(base+"    cursor_column: c\n", "")
	f(base+"    mode: snapshot\n", "")
	f(base, "cursor_column is required")
	f(base+"    mode: snapshot\n    query: select 1\n", "exactly one of table and query")
	f(strings.Replace(base, "postgres", "oracle", 1)+"    mode: snapshot\n", "settings.driver")
	f(base+"    mode: snapshot\n    dsn_env: X\n", "exactly one of dsn and dsn_env")
	f(base+"    mode: snapshot\n    time_zone: Mars/Olympus\n", "time_zone")
	f(base+"    cursor_column: c\n    lookback_rows: 50\n    delay: 0s\n", "")
	f(base+"    cursor_column: c\n    lookback_rows: -1\n", "lookback_rows not negative")
	f(base+"    cursor_column: c\n    lookback_rows: 5\n    lookback: 1m\n", "not both")
}

func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile("sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range ct.Sources(t, string(b)) {
		if _, err := New(&src); err != nil {
			t.Fatalf("%s: %v", src.Name, err)
		}
	}
}

// TestNullCursorAndClose: rows whose cursor_column is NULL are skipped by
// incremental mode instead of failing every run (MySQL sorts NULLs first,
// PostgreSQL last); the scheduler's Stop closes the connection pool.
func TestNullCursorAndClose(t *testing.T) {
	for _, d := range testDBs(t) {
		t.Run(d.driver, func(t *testing.T) {
			ctx := ct.Context(t, 90*time.Second)
			brokers := ct.Kafka(t)
			db := d.open(t)
			table := d.table(t, db)
			exec(t, db, "ALTER TABLE "+table+map[string]string{
				"postgres": " ALTER COLUMN updated_at DROP NOT NULL",
				"mysql":    " MODIFY updated_at " + d.tsType + " NULL",
			}[d.driver])
			T := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
			insert := func(from, to int, null string) {
				for i := from; i <= to; i++ {
					d.insert(t, db, table, i, T.Add(time.Duration(i)*time.Second))
				}
				exec(t, db, "UPDATE "+table+" SET updated_at = NULL WHERE id IN ("+null+")")
			}
			var conn *Conn
			kinds := map[string]connectors.Factory{"sql": func(src *config.Source) (connectors.Puller, error) {
				p, err := New(src)
				if err == nil {
					conn = p.(*Conn)
					conn.now = func() time.Time { return T.Add(time.Hour) }
				}
				return p, err
			}}
			h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, d.sources(t, table, "incremental", "    delay: 0s\n"))
			run := func() {
				t.Helper()
				if err := h.Scheduler.RunNow(ctx, "hr"); err != nil {
					t.Fatal(err)
				}
			}
			insert(1, 5, "1") // the first page holds the NULL (first or last)
			run()
			insert(6, 24, "12, 24") // two pages more, a NULL in each
			run()
			run() // nothing new
			got := ids(t, ctx, brokers)
			if len(got) != 21 || got["S0001"] != 0 || got["S0012"] != 0 || got["S0024"] != 0 || got["S0023"] != 1 {
				t.Fatalf("published %v", got)
			}
			if conn.db == nil {
				t.Fatal("no connection pool after a run")
			}
			if err := h.Scheduler.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if conn.db != nil {
				t.Fatal("Stop did not close the connection pool")
			}
		})
	}
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSmallRun runs the whole bench on a small district: the real
// `residenthub run` subprocesses, a real ClickHouse (its own private one
// through deploy/local/clickhouse.sh, or RESIDENTHUB_BENCH_CLICKHOUSE; the
// Kafka-engine peer needs deploy/local/clickhouse/config.xml's kafka
// setting, which a server started before it lacks), the embedded broker and
// the PostgreSQL of the sql tests. It checks that the JSON has every
// figure, sane and non-negative, and that the run cleans up after itself.
// No figure is compared with a speed: they are read by people.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("bench run skipped in -short mode")
	}
	bin := buildCommands(t)
	dir := t.TempDir()
	chPort, _ := freePort()
	chHTTP, _ := freePort()
	pg := os.Getenv("RESIDENTHUB_TEST_POSTGRES")
	if pg == "" {
		pg = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	o := Options{Residents: 2000, Clients: 3, Rate: 20, Duration: time.Second, Seed: 3, Dir: dir, Repo: "..",
		ClickHouse: os.Getenv("RESIDENTHUB_BENCH_CLICKHOUSE"), ClickHousePort: chPort, ClickHouseHTTPPort: chHTTP,
		Postgres: pg, Burst: 40, Pushes: 3, SQLChanges: 2, Binary: bin, Log: testLog{t},
		Parts: append(slices.Clone(AllParts), "crash")}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bench.json")
	if err := WriteJSON(out, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	positive := []string{
		"residents", "households", "machine.cores",
		"ingest.records", "ingest.raw_messages", "ingest.rows",
		"ingest.end_to_end_per_s", "ingest.pipelines_only_per_s", "ingest.floor_insert_rows_per_s", "ingest.peer_kafka_engine_per_s",
		"ingest.peak_rss_bytes", "ingest.cpu_s_per_million", "ingest.pipelines_only_peak_rss_bytes", "ingest.pipelines_only_rows_written_per_message",
		"ingest.end_to_end_vs_floor", "ingest.pipelines_only_vs_peer",
		"checks.floor_pk_p50_ms", "checks.floor_pk_p99_ms",
		"freshness.push_p50_ms", "freshness.push_p99_ms", "freshness.sql_p50_ms", "freshness.sql_p99_ms",
	}
	for _, load := range []string{"dibao", "dibao_1_client", "dibao_at_rate", "dibao_as_of", "residence_certificate", "profile"} {
		positive = append(positive, "checks."+load+".clients", "checks."+load+".per_s", "checks."+load+".p50_ms",
			"checks."+load+".p95_ms", "checks."+load+".p99_ms", "checks."+load+".requests", "checks."+load+".statuses.200",
			"checks."+load+".p50_vs_floor")
	}
	positive = append(positive, "checks.burst.requests", "checks.burst.answered")
	for _, k := range positive {
		if v, ok := number(doc, k); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, lookup(doc, k))
		}
	}
	for _, k := range []string{"machine.load_avg_start", "machine.load_avg_steps.end_to_end", "machine.load_avg_steps.freshness", "checks.dibao.errors", "checks.burst.refused", "freshness.push_timeouts"} {
		if v, ok := number(doc, k); !ok || v < 0 {
			t.Errorf("%s = %v, want a number >= 0", k, lookup(doc, k))
		}
	}
	if c := res.Checks; c.Dibao1Client.Clients != 1 || c.Dibao.Clients != o.Clients || c.Burst.Answered+c.Burst.Refused != o.Burst || c.Residents < 500 {
		t.Errorf("checks: %+v", c)
	}
	if in := res.Ingest; in.RawMessages > in.Records || in.Rows > in.RawMessages || in.PeerMessages != in.RawMessages || in.FloorInsertRows != in.Rows {
		t.Errorf("ingest counts do not add up: %+v", in)
	}
	var sourced int64
	formats := map[string]string{}
	for _, s := range res.Ingest.Sources {
		sourced += s.Records
		formats[s.Source] = s.Format
		if s.PerS <= 0 || s.Seconds <= 0 || s.Seconds > res.Ingest.EndToEndSeconds+1 {
			t.Errorf("source %+v: want a positive rate within the load", s)
		}
	}
	if sourced != res.Ingest.Records || formats["payroll"] != "xlsx" || formats["hukou"] != "csv" {
		t.Errorf("sources hold %d records, the district %d; formats %v", sourced, res.Ingest.Records, formats)
	}
	if w := res.Ingest.PipelinesOnlyRowsWrittenPerMessage; w < 1 {
		t.Errorf("pipelines only wrote %.2f rows per message into ClickHouse, want at least the dataset's row", w)
	}
	// The crash part: hub E's load (killed halfway when it was not done
	// before the first look) equals hub A's in every dataset table and the
	// rejects.
	if c := res.Crash; c == nil || !c.Equal || len(c.Tables) < 7 {
		t.Errorf("crash: %+v", c)
	} else {
		for _, tb := range c.Tables {
			if (tb.RowsHubA == 0 || tb.HashHubA == 0) && tb.Table != "rejects" {
				t.Errorf("crash: compared %s with an empty table (or no hash) of hub A: %+v", tb.Table, tb)
			}
		}
		t.Logf("crash: killed %v after %.1f s with %d messages committed", c.Killed, c.KilledAfterS, c.CommittedAtKill)
	}
	if f := res.Freshness; f.Pushes != o.Pushes || f.SQLChanges != o.SQLChanges {
		t.Errorf("freshness: %+v", f)
	}

	var table bytes.Buffer
	Print(&table, res)
	for _, want := range []string{"ingest end to end", "Excel source payroll", "pipelines only", "Kafka engine", "dibao check, 3 clients", "dibao check, 1 client", "/s offered", "dibao check as of yesterday",
		"residence certificate", "profile GET", "burst", "push → in a profile", "SQL pull → in a profile", "PK lookup", "crash: pipelines killed"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}

	// Cleaned up: no run folder left, a ClickHouse the run started is
	// stopped again, the PostgreSQL table is gone.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "run-") {
			t.Errorf("work folder %s left behind", e.Name())
		}
	}
	if o.ClickHouse == "" {
		if _, err := os.Stat(filepath.Join(dir, "clickhouse", "clickhouse.pid")); err == nil {
			t.Error("the private ClickHouse the bench started is still running")
		}
	}
	if exists, err := pgTableExists(pg, "bench_fresh_"+res.RunID); err != nil || exists {
		t.Errorf("PostgreSQL table bench_fresh_%s left behind (%v)", res.RunID, err)
	}
}

// buildCommands builds cmd/residenthub and cmd/residenthub-demo into a
// temporary folder and returns the residenthub binary.
func buildCommands(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	out, err := exec.Command(goBin, "build", "-o", dir+"/", "../cmd/residenthub", "../cmd/residenthub-demo").CombinedOutput()
	if err != nil {
		t.Fatalf("cannot build residenthub and residenthub-demo: %v\n%s", err, out)
	}
	return filepath.Join(dir, "residenthub")
}

// number returns the value at a dotted path of a decoded JSON document.
func number(doc map[string]any, path string) (float64, bool) {
	v, ok := lookup(doc, path).(float64)
	return v, ok
}

func lookup(doc map[string]any, path string) any {
	var cur any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func pgTableExists(dsn, table string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = $1", table).Scan(&n)
	return n > 0, err
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
pkg: github.com/residenthub/residenthub/normalize
BenchmarkIDNumber/18digit-2         	  171410	      7474 ns/op	    1964 B/op	       9 allocs/op
BenchmarkColumns-2   	     200	   3375941 ns/op	       168.8 ns/row	 5575098 B/op	      34 allocs/op
PASS
pkg: github.com/residenthub/residenthub/schema
BenchmarkEnvelopeUnmarshal-2   	    2000	      9132 ns/op	  55.84 MB/s	    1888 B/op	      50 allocs/op
`
	got := fmt.Sprint(parseGoBench(out))
	want := "[{github.com/residenthub/residenthub/normalize BenchmarkIDNumber/18digit 7474 1964 9} " +
		"{github.com/residenthub/residenthub/normalize BenchmarkColumns 3.375941e+06 5.575098e+06 34} " +
		"{github.com/residenthub/residenthub/schema BenchmarkEnvelopeUnmarshal 9132 1888 50}]"
	if got != want {
		t.Errorf("parseGoBench:\n got %s\nwant %s", got, want)
	}
}

package export_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/residenthub/residenthub/analytics/export"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

const (
	millionRows = 1_000_000
	maxRSS      = 256 << 20 // bytes
	childEnv    = "RESIDENTHUB_EXPORT_CHILD"
)

// TestExportMillionRowsInBoundedMemory fills a person table with a million
// rows and exports them in a separate process (this test binary, re-run as
// TestExportChild) whose peak resident memory, as the kernel counts it, must
// stay under 256 MiB: the exporter streams, it does not load the table.
func TestExportMillionRowsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows: skipped in -short mode")
	}
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	an := store.QuoteIdent(cfg.AnalyticsDatabase)
	err := conn.Exec(ctx, "INSERT INTO "+an+".person_history (person_key, household_key, sex, birth_year, ethnicity, relation_to_head, hukou_division, status, source, record_key_hash, deleted, source_time, ingest_time) "+
		"SELECT hex(MD5(toString(number))), hex(MD5(toString(intDiv(number, 3)))), toString(1 + number % 2), toUInt16(1930 + number % 90), '01', '02', '110105', 'normal', 'hukou', "+
		"hex(MD5(concat('k', toString(number)))), 0, toDateTime(1700000000 + number), toDateTime(1700000000 + number) FROM system.numbers LIMIT 1000000")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []export.Format{export.Parquet, export.Arrow} {
		path := filepath.Join(t.TempDir(), "person."+string(format))
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestExportChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{cfg.Addr, cfg.AnalyticsDatabase, string(format), path}, "|"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("export child: %v\n%s", err, out)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // KiB on Linux
		t.Logf("%s: peak RSS %.1f MiB for %d rows", format, float64(rss)/(1<<20), millionRows)
		if rss >= maxRSS {
			t.Errorf("%s export of %d rows peaked at %.1f MiB resident, want < 256 MiB", format, millionRows, float64(rss)/(1<<20))
		}
		if format == export.Parquet {
			pf, err := file.OpenParquetFile(path, false)
			if err != nil {
				t.Fatal(err)
			}
			rows, groups := pf.NumRows(), pf.NumRowGroups()
			pf.Close()
			if rows != millionRows || groups != (millionRows+export.DefaultRowGroupRows-1)/export.DefaultRowGroupRows {
				t.Errorf("parquet file: %d rows in %d row groups", rows, groups)
			}
		}
	}
}

// TestExportChild is the exporting process of
// TestExportMillionRowsInBoundedMemory; it does nothing unless started by it.
func TestExportChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as the child process of TestExportMillionRowsInBoundedMemory")
	}
	export.LimitMemory() // as the export command does
	p := strings.Split(spec, "|")
	cfg := config.Default().ClickHouse
	cfg.Addr = p[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f, err := os.Create(p[3])
	if err != nil {
		t.Fatal(err)
	}
	res, err := export.Write(ctx, conn, p[1], export.Options{Table: "person", Format: export.Format(p[2])}, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if res.Rows != millionRows {
		t.Fatalf("exported %d rows", res.Rows)
	}
}

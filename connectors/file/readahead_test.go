package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/xuri/excelize/v2"
)

// writeWorkbook writes a settled workbook of n data rows keyed prefix0001...
func writeWorkbook(t *testing.T, path, prefix string, n int) {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i := 0; i <= n; i++ {
		row := []any{"身份证号", "姓名", "户号", "更新时间"}
		if i > 0 {
			row = []any{fmt.Sprintf("%s%04d", prefix, i), "张三", i % 5, "2026-11-01 10:00:00"}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestReadAhead publishes a folder of workbooks and looks at the spools when
// the first page of the first one is emitted: the first passes of exactly the
// next read_ahead files have started, none later. Every record is published
// once, in name order, and no spool is left behind.
func TestReadAhead(t *testing.T) {
	for _, ahead := range []int{0, 1, 3} {
		t.Run(fmt.Sprint("read_ahead=", ahead), func(t *testing.T) {
			ctx := ct.Context(t, 30*time.Second)
			dir := t.TempDir()
			names := []string{"a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx"}
			for i, n := range names {
				writeWorkbook(t, filepath.Join(dir, n), strings.ToUpper(n[:1]), 12+i)
			}
			src := ct.Sources(t, sourceYAML(dir)+fmt.Sprintf("    read_ahead: %d\n", ahead))[0]
			conn, err := New(&src)
			if err != nil {
				t.Fatal(err)
			}
			spooled := func(name string) bool {
				_, err := os.Stat(spoolPath(dir, name))
				return err == nil
			}
			var keys []string
			first := true
			run := connectors.NewTestRun(&src, "", func(ctx context.Context, rows []connectors.Row, bad []connectors.BadRecord, cursor string) (connectors.EmitResult, error) {
				if first {
					first = false
					// The first passes ahead run in goroutines: wait until
					// the ones expected have started.
					started := func() bool {
						for _, n := range names[1 : 1+ahead] {
							if !spooled(n) {
								return false
							}
						}
						return true
					}
					for deadline := time.Now().Add(10 * time.Second); !started() && time.Now().Before(deadline); {
						time.Sleep(10 * time.Millisecond)
					}
					for i, n := range names[1:] {
						if want := i < ahead; spooled(n) != want {
							t.Errorf("while a.xlsx is published: spool of %s exists %v, want %v", n, !want, want)
						}
					}
				}
				for _, r := range rows {
					keys = append(keys, r.Values["身份证号"].(string))
				}
				return connectors.EmitResult{Accepted: len(rows)}, nil
			})
			if err := conn.Pull(ctx, run); err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, n := range names {
				for j := 1; j <= 12+i; j++ {
					want = append(want, fmt.Sprintf("%s%04d", strings.ToUpper(n[:1]), j))
				}
			}
			if strings.Join(keys, ",") != strings.Join(want, ",") {
				t.Fatalf("published %v\nwant %v", keys, want)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*.spool"))
			if len(left) > 0 {
				t.Fatalf("spools left behind: %v", left)
			}
		})
	}
}

// TestFirstPassStopsWithContext: a first pass whose context has ended stops
// within checkEvery records with the context's error, for a workbook and a
// CSV file alike, and Pull then leaves the file where it is (not failed/),
// with no spool behind.
func TestFirstPassStopsWithContext(t *testing.T) {
	dir := t.TempDir()
	writeWorkbook(t, filepath.Join(dir, "a.xlsx"), "A", 3*checkEvery)
	writeOld(t, filepath.Join(dir, "b.csv"), []byte(csvRows(3*checkEvery)))
	src := ct.Sources(t, sourceYAML(dir))[0]
	conn, err := New(&src)
	if err != nil {
		t.Fatal(err)
	}
	c := conn.(*Conn)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run := connectors.NewTestRun(&src, "", func(context.Context, []connectors.Row, []connectors.BadRecord, string) (connectors.EmitResult, error) {
		t.Error("a cancelled first pass published")
		return connectors.EmitResult{}, nil
	})
	for _, name := range []string{"a.xlsx", "b.csv"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		ck := c.check(ctx, run, name, info)
		if ck.err != context.Canceled {
			t.Fatalf("%s: first pass error %v, want context.Canceled", name, ck.err)
		}
		if ck.spool != "" {
			os.Remove(ck.spool)
		}
	}

	// Through Pull: the context ends while the first page of a.xlsx is
	// published and b.csv's first pass runs ahead.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	run = connectors.NewTestRun(&src, "", func(context.Context, []connectors.Row, []connectors.BadRecord, string) (connectors.EmitResult, error) {
		cancel()
		return connectors.EmitResult{}, context.Canceled
	})
	if err := conn.Pull(ctx, run); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pull: %v, want context.Canceled", err)
	}
	for _, name := range []string{"a.xlsx", "b.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s moved: %v", name, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.spool"))
	failed, _ := filepath.Glob(filepath.Join(dir, "failed", "*"))
	if len(left)+len(failed) > 0 {
		t.Fatalf("left behind: spools %v, failed %v", left, failed)
	}
}

// TestCancelledBetweenPages: when the run's context ends while a page is
// published, the file stops at that page boundary and stays in the drop
// folder (its cursor says how far it got); it is not moved to done/ with
// its later pages unpublished.
func TestCancelledBetweenPages(t *testing.T) {
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "a.csv"), []byte(csvRows(100)))
	src := ct.Sources(t, sourceYAML(dir))[0] // pages of 10
	conn, err := New(&src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pages := 0
	run := connectors.NewTestRun(&src, "", func(context.Context, []connectors.Row, []connectors.BadRecord, string) (connectors.EmitResult, error) {
		pages++
		cancel() // a shutdown: the page in flight completes
		return connectors.EmitResult{}, nil
	})
	if err := conn.Pull(ctx, run); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pull: %v, want context.Canceled", err)
	}
	if pages >= 10 {
		t.Fatalf("%d pages published after the context ended", pages)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.csv")); err != nil {
		t.Fatalf("a.csv moved with %d of its 10 pages published: %v", pages, err)
	}
	var pos position
	if err := json.Unmarshal([]byte(run.Cursor), &pos); err != nil || pos.Rows != int64(10*pages) {
		t.Fatalf("cursor %q after %d pages", run.Cursor, pages)
	}
}

// TestOrphanSpoolsRemoved: a run removes the spools a crash left behind
// whose workbook is gone, and keeps a spool whose workbook is there (here one
// another source sharing the folder reads).
func TestOrphanSpoolsRemoved(t *testing.T) {
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "a.csv"), []byte(csvRows(3)))
	writeOld(t, filepath.Join(dir, "other.xlsx"), []byte("another source's workbook"))
	for _, n := range []string{"gone.xlsx", "other.xlsx"} {
		writeOld(t, spoolPath(dir, n), []byte("spool"))
	}
	src := ct.Sources(t, sourceYAML(dir)+"    pattern: \"*.csv\"\n")[0]
	conn, err := New(&src)
	if err != nil {
		t.Fatal(err)
	}
	run := connectors.NewTestRun(&src, "", func(_ context.Context, rows []connectors.Row, _ []connectors.BadRecord, _ string) (connectors.EmitResult, error) {
		return connectors.EmitResult{Accepted: len(rows)}, nil
	})
	if err := conn.Pull(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spoolPath(dir, "gone.xlsx")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("orphan spool still there: %v", err)
	}
	if _, err := os.Stat(spoolPath(dir, "other.xlsx")); err != nil {
		t.Fatalf("spool of a workbook still in the folder removed: %v", err)
	}
	if run.Rows() != 3 {
		t.Fatalf("published %d rows, want 3", run.Rows())
	}
}

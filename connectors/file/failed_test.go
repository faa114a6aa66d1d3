package file

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

// TestFailedFileStaysVisible: a file moved to failed/ is the run's
// last_error, listed by Failed, and stays the last_error through later
// empty runs until a run delivers data.
func TestFailedFileStaysVisible(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "a_wrong.csv"), []byte("编号,名字\r\n1,张三\r\n")) // lacks the key column
	srcs := source(t, dir, "")
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, srcs)
	if err := h.Scheduler.RunNow(ctx, "hukou"); err == nil || !strings.Contains(err.Error(), "a_wrong.csv moved to failed/") {
		t.Fatalf("run: %v", err)
	}
	lastError := func() string { return h.Scheduler.Status()[0].LastError }
	if !strings.Contains(lastError(), "a_wrong.csv") {
		t.Fatalf("last_error %q", lastError())
	}
	if got, err := Failed(&srcs[0]); err != nil || !reflect.DeepEqual(got, []string{"a_wrong.csv"}) {
		t.Fatalf("Failed = %v, %v", got, err)
	}
	if err := h.Scheduler.RunNow(ctx, "hukou"); err != nil { // nothing new
		t.Fatal(err)
	}
	if !strings.Contains(lastError(), "a_wrong.csv") {
		t.Fatalf("an empty run cleared last_error: %q", lastError())
	}
	writeOld(t, filepath.Join(dir, "b_good.csv"), []byte(csvRows(2)))
	if err := h.Scheduler.RunNow(ctx, "hukou"); err != nil {
		t.Fatal(err)
	}
	if lastError() != "" {
		t.Fatalf("a run with data kept last_error: %q", lastError())
	}
}

// TestSkippedEntriesNamed: folders and symbolic links matching the pattern
// are named (and logged by Pull), not silently skipped.
func TestSkippedEntriesNamed(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"x.csv", "done", "failed"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(t.TempDir(), "real.csv")
	if err := os.WriteFile(target, []byte(csvRows(1)), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain.csv"), []byte(csvRows(1)), 0o640); err != nil {
		t.Fatal(err)
	}
	srcs := source(t, dir, "    pattern: \"*\"")
	p, err := New(&srcs[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := skippedOf(t, p.(*Conn)); !reflect.DeepEqual(got, []string{"link.csv", "x.csv"}) {
		t.Fatalf("skipped = %v", got)
	}
}

func skippedOf(t *testing.T, c *Conn) []string {
	t.Helper()
	entries, err := c.list()
	if err != nil {
		t.Fatal(err)
	}
	return c.skippedIn(entries)
}

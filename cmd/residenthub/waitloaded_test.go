package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/config"
)

// TestPendingDropFiles: wait-loaded counts only the files the file kind
// would still read; stray files it ignores do not keep it waiting.
func TestPendingDropFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := dropConfig(t, dir, filepath.Join(dir, "missing"))
	write := func(name string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("id\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"a.csv.tmp", "b.csv.part", "c.csv.crdownload", ".d.csv", "notes.txt", "done/e.csv", "failed/f.csv", "failed/f.csv.error"} {
		write(name)
	}
	if n, err := pendingDropFiles(cfg); err != nil || n != 0 {
		t.Fatalf("%d files pending, want 0: none of them would be read", n)
	}
	write("g.csv")
	if n, err := pendingDropFiles(cfg); err != nil || n != 1 {
		t.Fatalf("%d files pending, want 1", n)
	}
}

// TestFailedFilesNamed: wait-loaded and report name the files moved to
// failed/ (not their .error notes), so a failed file is never "loaded".
func TestFailedFilesNamed(t *testing.T) {
	dir := t.TempDir()
	cfg := dropConfig(t, dir, "")
	if err := failedFiles(cfg); err != nil {
		t.Fatalf("no failed/ folder: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "failed"), 0o750); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"x.csv", "x.csv.error"} {
		if err := os.WriteFile(filepath.Join(dir, "failed", n), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	err := failedFiles(cfg)
	if err == nil || !strings.Contains(err.Error(), "1 files were moved to failed/") || !strings.Contains(err.Error(), "hukou: failed/x.csv") ||
		strings.Contains(err.Error(), "x.csv.error") {
		t.Fatalf("failedFiles = %v", err)
	}
}

// dropConfig is a config with the file source hukou reading *.csv from dir
// and, when gone is not empty, a second file source "gone" reading folder gone.
func dropConfig(t *testing.T, dir, gone string) *config.Config {
	t.Helper()
	src := func(name, settings string) string {
		return fmt.Sprintf("  - name: %s\n    kind: file\n    dataset: person\n    key: [id]\n"+
			"    fields: {id_number: id, name: name, household_id: hh}\n    settings: %s\n", name, settings)
	}
	y := "clickhouse: {pseudonym_salt: waitloaded-test-salt}\nsources:\n" + src("hukou", fmt.Sprintf(`{dir: %q, pattern: "*.csv"}`, dir))
	if gone != "" {
		y += src("gone", fmt.Sprintf(`{dir: %q}`, gone))
	}
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

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
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
clickhouse: {pseudonym_salt: waitloaded-test-salt}
sources:
  - name: hukou
    kind: file
    dataset: person
    key: [id]
    fields: {id_number: id, name: name, household_id: hh}
    settings: {dir: %q, pattern: "*.csv"}
  - name: gone
    kind: file
    dataset: person
    key: [id]
    fields: {id_number: id, name: name, household_id: hh}
    settings: {dir: %q}
`, dir, filepath.Join(dir, "missing"))))
	if err != nil {
		t.Fatal(err)
	}
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
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
clickhouse: {pseudonym_salt: waitloaded-test-salt}
sources:
  - name: hukou
    kind: file
    dataset: person
    key: [id]
    fields: {id_number: id, name: name, household_id: hh}
    settings: {dir: %q, pattern: "*.csv"}
`, dir)))
	if err != nil {
		t.Fatal(err)
	}
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
	err = failedFiles(cfg)
	if err == nil || !strings.Contains(err.Error(), "1 files were moved to failed/") || !strings.Contains(err.Error(), "hukou: failed/x.csv") ||
		strings.Contains(err.Error(), "x.csv.error") {
		t.Fatalf("failedFiles = %v", err)
	}
}

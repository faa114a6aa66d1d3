package file

import (
	"os"
	"path/filepath"
	"testing"

	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

// TestPending counts only what Pull would read: not partial downloads,
// dotfiles, error notes, names outside the pattern, or done/ and failed/.
func TestPending(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.csv", "B.CSV", "c.csv.tmp", "d.csv.part", "e.csv.crdownload", ".f.csv", "g.txt",
		"done/h.csv", "failed/i.csv", "failed/i.csv.error"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o750); err != nil {
		t.Fatal(err)
	}
	f := func(dir, extra string, want int) {
		t.Helper()
		src := ct.Sources(t, sourceYAML(dir)+extra)[0]
		n, err := Pending(&src)
		if err != nil || n != want {
			t.Fatalf("Pending(%s %q) = %d, %v; want %d", dir, extra, n, err, want)
		}
	}
	f(dir, `    pattern: "*.csv"`+"\n", 1) // a.csv (pattern is case-sensitive)
	f(dir, "", 3)                          // a.csv, B.CSV, g.txt
	f(filepath.Join(dir, "missing"), "", 0)
	src := ct.Sources(t, sourceYAML(dir)+"    format: xml\n")[0]
	if _, err := Pending(&src); err == nil {
		t.Fatal("Pending accepted invalid settings")
	}
}

// TestFormat reads settings.format, or the pattern's extension for "auto".
func TestFormat(t *testing.T) {
	dir := t.TempDir()
	f := func(extra, want string, wantErr bool) {
		t.Helper()
		src := ct.Sources(t, sourceYAML(dir)+extra)[0]
		got, err := Format(&src)
		if got != want || (err != nil) != wantErr {
			t.Fatalf("Format(%q) = %q, %v; want %q (error: %v)", extra, got, err, want, wantErr)
		}
	}
	f("    format: xlsx\n", "xlsx", false)
	f(`    pattern: "payroll_*.XLSX"`+"\n", "xlsx", false)
	f(`    pattern: "si_*.jsonl"`+"\n", "jsonl", false)
	f("", "", true) // pattern "*": each file's name decides
	f("    format: xml\n", "", true)
}

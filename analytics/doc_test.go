package analytics_test

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/analytics"
)

var update = flag.Bool("update", false, "rewrite docs/analytics.md from the catalog")

const docPath = "../docs/analytics.md"

// TestDictionaryDoc: docs/analytics.md is exactly what the catalog renders,
// so the committed dictionary cannot drift from the dataset definitions
// (regenerate with: go test ./analytics -run TestDictionaryDoc -update).
func TestDictionaryDoc(t *testing.T) {
	examples, err := readExamples("../docs/analytics")
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Markdown(examples)
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from the catalog; regenerate it: go test ./analytics -run TestDictionaryDoc -update", docPath)
	}
	for _, tb := range analytics.Catalog() {
		if !strings.Contains(want, "### `"+tb.Name+"`") {
			t.Errorf("the dictionary has no section for %s", tb.Name)
		}
	}
}

// readExamples lists the example queries: file name and first comment line.
func readExamples(dir string) ([]analytics.Example, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []analytics.Example
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		first, _, _ := strings.Cut(string(b), "\n")
		out = append(out, analytics.Example{File: filepath.Base(f), Title: strings.TrimSpace(strings.TrimPrefix(first, "--"))})
	}
	return out, nil
}

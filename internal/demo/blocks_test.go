package demo

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestLargeDistrictBlocksAndParts: a district of three blocks, with files
// cut small, has every extract split into parts named in delivery order,
// three times the default district's invalid records and duplicates, and
// each invalid record at the line of its part file the truth names.
func TestLargeDistrictBlocksAndParts(t *testing.T) {
	old := maxPartRows
	maxPartRows = 1000
	defer func() { maxPartRows = old }()
	dir := t.TempDir()
	tr, err := Generate(Options{Dir: dir, Seed: 5, Households: 2*DefaultHouseholds + 100, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	// The default district's invalid records and duplicates per block.
	_, one := generate(t)
	for ds, c := range tr.Counts {
		if want := 3 * one.Counts[ds].Invalid; c.Invalid != want {
			t.Errorf("%s: %d invalid records, want %d (3 blocks)", ds, c.Invalid, want)
		}
		if want := 3 * one.Counts[ds].Duplicates; c.Duplicates != want {
			t.Errorf("%s: %d duplicates, want %d (3 blocks)", ds, c.Duplicates, want)
		}
		if c.LatestSourceTime == "" {
			t.Errorf("%s: no latest source time", ds)
		}
	}
	if tr.Counts["person"].Current != len(tr.Residents) || tr.Summary.Households != 2*DefaultHouseholds+100 {
		t.Errorf("person current %d, %d residents, %d households", tr.Counts["person"].Current, len(tr.Residents), tr.Summary.Households)
	}

	files := map[string][]File{}
	records := map[string]int{}
	for _, f := range tr.Files {
		files[f.Source] = append(files[f.Source], f)
		records[f.Dataset] += f.Records
	}
	for _, s := range sources {
		fs := files[s.name]
		if len(fs) < 2 {
			t.Errorf("%s: %d files, want the extract split", s.name, len(fs))
			continue
		}
		for i, f := range fs {
			if want := s.extract(tr.AsOf[:4]+tr.AsOf[5:7]+tr.AsOf[8:], i).file; f.Path != want {
				t.Errorf("%s part %d: %s, want %s", s.name, i+1, f.Path, want)
			}
			if i > 0 && f.Path <= fs[i-1].Path {
				t.Errorf("%s: %s sorts before %s", s.name, f.Path, fs[i-1].Path)
			}
		}
		if records[s.dataset] != tr.Counts[s.dataset].Records {
			t.Errorf("%s: files hold %d records, counts say %d", s.name, records[s.dataset], tr.Counts[s.dataset].Records)
		}
	}
	for _, inv := range tr.Invalid {
		if inv.Value == "" {
			continue
		}
		if line := fileLine(t, dir, inv.File, inv.Line); !strings.Contains(line, inv.Value) {
			t.Errorf("%s:%d does not hold the invalid value %q: %q", inv.File, inv.Line, inv.Value, line)
		}
	}
}

// fileLine returns line n (1-based) of a csv/jsonl extract, or sheet row n
// of a workbook joined by commas.
func fileLine(t *testing.T, dir, file string, n int) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(file))
	if strings.HasSuffix(file, ".xlsx") {
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(payrollSheet)
		if err != nil || n > len(rows) {
			t.Fatalf("%s: %v (%d rows, want row %d)", file, err, len(rows), n)
		}
		return strings.Join(rows[n-1], ",")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			line := sc.Text()
			if strings.Contains(file, "hukou") {
				line, _ = simplifiedchinese.GBK.NewDecoder().String(line)
			}
			return line
		}
	}
	t.Fatalf("%s has fewer than %d lines", file, n)
	return ""
}

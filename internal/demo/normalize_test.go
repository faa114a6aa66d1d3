package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/normalize"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// These tests read the extracts back through the real normalizers and check
// that they arrive at the truth: the truth is what the pipelines must load.

func invalidLines(tr *Truth, source string) map[int]InvalidRecord {
	out := map[int]InvalidRecord{}
	for _, inv := range tr.Invalid {
		if inv.Source == source {
			out[inv.Line] = inv
		}
	}
	return out
}

func TestHukouNormalizesToTruth(t *testing.T) {
	dir, tr := generate(t)
	cfg := demoConfig(t)
	src, _ := cfg.Source("hukou")
	raw, _ := os.ReadFile(filepath.Join(dir, tr.Files[0].Path))
	dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(dec)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Resident{}
	for _, r := range tr.Residents {
		byID[r.IDNumber] = r
	}
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, cst)
	invalid := invalidLines(tr, "hukou")
	latest := map[string]time.Time{}
	current := map[string][]string{} // id → the record's latest version
	currentLine := map[string]int{}
	for i, rec := range recs[1:] {
		line := i + 2
		id, _, idErr := normalize.IDNumberAt(rec[0], now)
		name, nameErr := normalize.Name(rec[1])
		if inv, bad := invalid[line]; bad {
			if idErr == nil && nameErr == nil {
				t.Errorf("line %d (%s) normalizes, want rejected", line, inv.Reason)
			}
			continue
		}
		if idErr != nil || nameErr != nil {
			t.Fatalf("line %d: %v %v", line, idErr, nameErr)
		}
		if _, ok := byID[id]; !ok {
			t.Fatalf("line %d: %s is not in the truth", line, normalize.MaskID(id))
		}
		_ = name
		changed, err := normalize.DateTime(rec[11])
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if _, ok := current[id]; ok && !changed.After(latest[id]) {
			continue // an older version or an exact duplicate
		}
		latest[id], current[id], currentLine[id] = changed, rec, line
	}
	for id, rec := range current {
		want, line := byID[id], currentLine[id]
		name, _ := normalize.Name(rec[1])
		sex, err1 := normalize.Sex().Normalize(rec[2], src.CodeMappings["sex"])
		birth, err2 := normalize.Date(rec[3])
		eth, err3 := normalize.Ethnicity().Normalize(rec[4], src.CodeMappings["ethnicity"])
		rel, err4 := normalize.RelationToHead().Normalize(rec[6], src.CodeMappings["relation_to_head"])
		div, err5 := normalize.DefaultDivisions().Division(rec[8])
		if err := firstErr(err1, err2, err3, err4, err5); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		status := src.CodeMappings["status"][rec[9]]
		if rec[10] != "" {
			if _, err := normalize.Phone(rec[10]); err != nil {
				t.Errorf("line %d: %v", line, err)
			}
		}
		got := Resident{IDNumber: id, Name: name, Sex: sex, BirthDate: birth.Format(time.DateOnly), Ethnicity: eth,
			HouseholdID: normalize.Text(rec[5]), RelationToHead: rel, HukouDivision: div, HukouAddress: normalize.Text(rec[7]), Status: status}
		w := want
		w.Phone, w.IDWritten, w.Age, w.Residence, w.HasHealthRecord, w.DisabilityCategory, w.DisabilityGrade, w.MajorIllness, w.ElderlyAllowanceFen =
			"", "", 0, nil, false, "", 0, false, 0
		if got != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", line, got, w)
		}
	}
	if len(latest) != len(tr.Residents) {
		t.Errorf("%d persons in the extract, %d in the truth", len(latest), len(tr.Residents))
	}
}

var rePeriod = regexp.MustCompile(`^(\d{4})(?:-|年)?(\d{1,2})月?$`)

// TestIncomesFromExtracts recomputes every member's income from the payroll
// workbook and the social insurance lines and compares it with the truth.
func TestIncomesFromExtracts(t *testing.T) {
	dir, tr := generate(t)
	window := map[string]bool{}
	for _, m := range tr.IncomeMonths {
		window[m] = true
	}
	f, err := excelize.OpenFile(filepath.Join(dir, tr.Files[3].Path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(payrollSheet)
	if err != nil {
		t.Fatal(err)
	}
	invalid := invalidLines(tr, "payroll")
	employment := map[string]int64{}
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		if _, bad := invalid[i+2]; bad {
			if _, err := normalize.Fen(row[6]); err == nil && row[5] != "" && row[4] != "" && len(normalize.Text(row[4])) == 18 && ValidID(normalize.Text(row[4])) {
				t.Errorf("payroll row %d should be invalid", i+2)
			}
			continue
		}
		if seen[strings.Join(row, "\x00")] {
			continue // exact duplicate
		}
		seen[strings.Join(row, "\x00")] = true
		fen, err := normalize.Fen(row[6])
		if err != nil {
			t.Fatalf("payroll row %d: %v", i+2, err)
		}
		g := rePeriod.FindStringSubmatch(row[5])
		if g == nil {
			t.Fatalf("payroll row %d: period %q", i+2, row[5])
		}
		m, _ := strconv.Atoi(g[2])
		if window[g[1]+"-"+twoDigits(m)] {
			employment[normalize.Text(row[4])] += fen
		}
	}
	type version struct {
		at  time.Time
		fen int64
	}
	pensions := map[string]version{} // key → current version
	b, _ := os.ReadFile(filepath.Join(dir, tr.Files[2].Path))
	siInvalid := invalidLines(tr, "social_insurance")
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, bad := siInvalid[i+1]; bad {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		id, _, err := normalize.IDNumberAt(m["公民身份号码"].(string), time.Now())
		if err != nil {
			t.Fatalf("social insurance line %d: %v", i+1, err)
		}
		at, err := normalize.DateTime(m["更新时间"].(string))
		if err != nil {
			t.Fatal(err)
		}
		key := m["公民身份号码"].(string) + "|" + m["险种"].(string)
		if at.Before(pensions[key].at) {
			continue
		}
		v := version{at: at}
		if strings.Contains(m["险种"].(string), "养老") && m["参保状态"] == "享受待遇" {
			if v.fen, err = normalize.Fen(m["月养老金"].(string)); err != nil {
				t.Fatal(err)
			}
		}
		pensions[key] = v
		_ = id
	}
	pension := map[string]int64{}
	for key, v := range pensions {
		id, _, _ := strings.Cut(key, "|")
		id = strings.ToUpper(id)
		pension[id] += v.fen
	}
	for _, h := range tr.Households {
		for _, mi := range h.Incomes {
			if employment[mi.IDNumber] != mi.Employment || pension[mi.IDNumber] != mi.Pension {
				t.Errorf("household %s member %s: employment %d pension %d from the extracts, truth %d %d",
					h.HouseholdID, normalize.MaskID(mi.IDNumber), employment[mi.IDNumber], pension[mi.IDNumber], mi.Employment, mi.Pension)
			}
		}
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// asOf is a fixed check date for the tests (the default is today).
var asOf = time.Date(2026, 6, 15, 0, 0, 0, 0, cst)

// generated is one default-size data set shared by the tests.
var generated = struct {
	dir   string
	truth *Truth
}{}

func generate(t *testing.T) (string, *Truth) {
	t.Helper()
	if generated.truth == nil {
		dir, err := os.MkdirTemp("", "residenthub-demo-")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Generate(Options{Dir: dir, Seed: 1, AsOf: asOf})
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		generated.dir, generated.truth = dir, tr
	}
	return generated.dir, generated.truth
}

func TestMain(m *testing.M) {
	code := m.Run()
	if generated.dir != "" {
		os.RemoveAll(generated.dir)
	}
	os.Exit(code)
}

// hashDir returns the SHA-256 of every file under dir, by relative path.
func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(Options{Dir: dir, Seed: 7, Households: 300, AsOf: asOf}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Generate(Options{Dir: c, Seed: 8, Households: 300, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	ha, hb, hc := hashDir(t, a), hashDir(t, b), hashDir(t, c)
	if len(ha) != 8 {
		t.Fatalf("want 7 extracts and truth.json, got %v", ha)
	}
	for f, h := range ha {
		if hb[f] != h {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
		if hc[f] == h {
			t.Errorf("%s is the same for seeds 7 and 8", f)
		}
	}
}

func TestGenerateSizes(t *testing.T) {
	_, tr := generate(t)
	if tr.Summary.Residents < 5000 || len(tr.Residents) != tr.Summary.Residents {
		t.Errorf("residents = %d, want >= 5000", tr.Summary.Residents)
	}
	if tr.Summary.Households != DefaultHouseholds {
		t.Errorf("households = %d, want %d", tr.Summary.Households, DefaultHouseholds)
	}
	if tr.Summary.Aged80Plus == 0 || tr.Summary.Aged90Plus == 0 || tr.Summary.Aged100Plus == 0 || tr.Summary.Disabled == 0 {
		t.Errorf("want elderly 80+/90+/100+ and disabled residents: %+v", tr.Summary)
	}
	if tr.AsOf != "2026-06-15" || tr.StandardFen != 132000 || strings.Join(tr.IncomeMonths, ",") != "2025-12,2026-01,2026-02,2026-03,2026-04,2026-05" {
		t.Errorf("as_of %s, standard %d, months %v", tr.AsOf, tr.StandardFen, tr.IncomeMonths)
	}
	forms := map[string]int{}
	for _, r := range tr.Residents {
		forms[r.IDWritten]++
	}
	if forms["15"] == 0 || forms["full_width"] == 0 {
		t.Errorf("want some 15-digit and full-width ID numbers: %v", forms)
	}
}

func TestTruthIDNumbers(t *testing.T) {
	_, tr := generate(t)
	seen := map[string]bool{}
	for _, r := range tr.Residents {
		if !ValidID(r.IDNumber) {
			t.Fatalf("invalid ID number %s", r.IDNumber)
		}
		if seen[r.IDNumber] {
			t.Fatalf("ID number %s used twice", r.IDNumber)
		}
		seen[r.IDNumber] = true
		if strings.ReplaceAll(r.BirthDate, "-", "") != r.IDNumber[6:14] {
			t.Errorf("%s: birth date %s does not match the number", r.IDNumber, r.BirthDate)
		}
		if odd := (r.IDNumber[16]-'0')%2 == 1; odd != (r.Sex == "1") {
			t.Errorf("%s: sex %s does not match the sequence digit", r.IDNumber, r.Sex)
		}
		if b, _ := time.Parse(time.DateOnly, r.BirthDate); ageOn(b, date(2026, 6, 15)) != r.Age {
			t.Errorf("%s: age %d inconsistent", r.IDNumber, r.Age)
		}
	}
}

func TestCheckCharacters(t *testing.T) {
	f := func(s string, want byte) {
		t.Helper()
		if got := IDCheckChar(s); got != want {
			t.Errorf("IDCheckChar(%s) = %c, want %c", s, got, want)
		}
	}
	f("11010519491231002", 'X') // GB 11643-1999 example
	f("44052418800101001", '4')
	c := func(s string, want byte) {
		t.Helper()
		if got := CreditCheckChar(s); got != want {
			t.Errorf("CreditCheckChar(%s) = %c, want %c", s, got, want)
		}
	}
	c("91350100M000100Y4", '3') // a published example: 91350100M000100Y43
}

func TestHukouIsGBK(t *testing.T) {
	dir, tr := generate(t)
	raw, err := os.ReadFile(filepath.Join(dir, tr.Files[0].Path))
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw) {
		t.Fatal("the hukou extract is valid UTF-8; want GBK")
	}
	dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatalf("cannot decode GBK: %v", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(dec)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "身份证号,姓名,性别,出生日期,民族,户号,与户主关系,户籍地址,户籍区划,人员状态,联系电话,变更时间" {
		t.Errorf("header %v", recs[0])
	}
	if len(recs)-1 != tr.Counts["person"].Records {
		t.Errorf("%d data rows, truth says %d", len(recs)-1, tr.Counts["person"].Records)
	}
}

func TestPayrollOpensInExcelize(t *testing.T) {
	dir, tr := generate(t)
	f, err := excelize.OpenFile(filepath.Join(dir, tr.Files[3].Path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(payrollSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != tr.Counts["employment"].Records || rows[0][6] != "应发工资" {
		t.Errorf("%d rows (header %v), truth says %d records", len(rows), rows[0], tr.Counts["employment"].Records)
	}
}

func TestTruthFileMatchesReturn(t *testing.T) {
	dir, tr := generate(t)
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Truth
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary.Residents != tr.Summary.Residents || len(got.Households) != len(tr.Households) || len(got.Invalid) != len(tr.Invalid) {
		t.Error("truth.json differs from the returned truth")
	}
}

func TestDibaoDecisions(t *testing.T) {
	_, tr := generate(t)
	for _, d := range []string{DecisionEligible, DecisionIneligible, DecisionNeedsReview} {
		if tr.Summary.RulesDecisions[d] < 50 {
			t.Errorf("only %d households %s: %v", tr.Summary.RulesDecisions[d], d, tr.Summary.RulesDecisions)
		}
	}
	// As of 2026 the 2022 standard is overdue: nothing is eligible, what
	// the rules find eligible needs review.
	if !tr.StandardOverdue || tr.Summary.Decisions[DecisionEligible] != 0 ||
		tr.Summary.Decisions[DecisionNeedsReview] != tr.Summary.RulesDecisions[DecisionNeedsReview]+tr.Summary.RulesDecisions[DecisionEligible] {
		t.Errorf("overdue standard: %v decisions %v, rules %v", tr.StandardOverdue, tr.Summary.Decisions, tr.Summary.RulesDecisions)
	}
	failing := map[string]int{}
	for _, h := range tr.Households {
		for _, r := range h.FailedRules {
			failing[r]++
		}
	}
	for _, r := range []string{RuleApplicantFound, RuleIncomeBelow, RuleAssetsWithin} {
		if failing[r] < 10 {
			t.Errorf("rule %s fails for %d households only", r, failing[r])
		}
	}
	want := map[string]string{
		"income_equals_standard": "ineligible", "income_one_fen_below": "eligible", "per_capita_floor": "eligible",
		"deposit_at_limit": "eligible", "deposit_one_fen_over": "ineligible", "window_edges": "needs_review",
		"deceased_pension": "eligible", "just_turned_60": "eligible", "turns_60_tomorrow": "needs_review",
		"other_income_only": "eligible", "terminated_unemployment": "needs_review", "registered_unemployed": "eligible",
		"suspended_pension": "eligible", "pension_history": "eligible", "moved_out_earner": "eligible", "review_and_vehicle": "ineligible",
	}
	got := map[string]Household{}
	for _, h := range tr.Households {
		if name, ok := strings.CutPrefix(h.Archetype, archBoundary+":"); ok {
			got[name] = h
		}
	}
	for name, d := range want {
		h, ok := got[name]
		if !ok || h.RulesDecision != d {
			t.Errorf("boundary %s: decision %q, want %q (%+v)", name, h.RulesDecision, d, h)
		}
	}
	if h := got["per_capita_floor"]; h.PerCapitaIncomeFen != tr.StandardFen-1 || h.AllowanceFen != 3 {
		t.Errorf("per_capita_floor: per-capita %d, allowance %d", h.PerCapitaIncomeFen, h.AllowanceFen)
	}
	if h := got["pension_history"]; h.PerCapitaIncomeFen != 115050 {
		t.Errorf("pension_history counts %d, want the current version 115050", h.PerCapitaIncomeFen)
	}
}

func TestInvalidRecords(t *testing.T) {
	_, tr := generate(t)
	reasons := map[string]int{}
	bySource := map[string]int{}
	for _, inv := range tr.Invalid {
		reasons[inv.Reason]++
		bySource[inv.Dataset]++
		if inv.Line < 1 || inv.RecordKey == "" && inv.Field != "id_number" {
			t.Errorf("invalid record without line or key: %+v", inv)
		}
	}
	for _, r := range []string{"id_number check digit", "birth date", "empty name"} {
		if reasons[r] == 0 {
			t.Errorf("no invalid record for %q: %v", r, reasons)
		}
	}
	var names []string
	for ds, c := range tr.Counts {
		names = append(names, ds)
		if c.Invalid != bySource[ds] || c.Rows != c.Records-c.Duplicates-c.Invalid || c.Duplicates == 0 {
			t.Errorf("%s: counts %+v, %d invalid listed", ds, c, bySource[ds])
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "asset,employment,health,hotline_ticket,person,residence,social_insurance" {
		t.Errorf("counts for %v", names)
	}
	if tr.Counts["person"].Current != len(tr.Residents) {
		t.Errorf("person current %d, residents %d", tr.Counts["person"].Current, len(tr.Residents))
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(Options{Dir: dir, Seed: int64(i), AsOf: asOf}); err != nil {
			b.Fatal(err)
		}
	}
}

func gbkHeader(t *testing.T, raw []byte) []string {
	t.Helper()
	dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := csv.NewReader(bytes.NewReader(dec)).Read()
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestGenerateSmallAndErrors(t *testing.T) {
	for _, n := range []int{1, 5, 39} {
		tr, err := Generate(Options{Dir: t.TempDir(), Seed: 3, Households: n, AsOf: asOf})
		if err != nil || len(tr.Households) != n {
			t.Errorf("Households %d: %v", n, err)
		}
	}
	if _, err := Generate(Options{Seed: 1}); err == nil {
		t.Error("want an error for an empty Dir")
	}
	if _, err := Generate(Options{Dir: t.TempDir(), AsOf: time.Date(2010, 1, 1, 0, 0, 0, 0, cst)}); err == nil {
		t.Error("want an error for an AsOf before the parameters")
	}
}

// TestKeysAreNeverEmpty: the connectors reject a row with an empty key
// column, so every valid row must have all of them.
func TestKeysAreNeverEmpty(t *testing.T) {
	g, b, err := build(Options{Seed: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		x := s.extract("x", 0)
		s.rows(g, g.rng(s.name), x, b)
		for i, r := range x.rows {
			if r.invalid != nil {
				continue
			}
			for _, part := range strings.Split(x.recordKey(r), "|") {
				if strings.TrimSpace(part) == "" {
					t.Fatalf("%s row %d: empty key column in %q", x.source, i+1, x.recordKey(r))
				}
			}
		}
	}
}

package paramdb_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/eligibility/paramdb"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// program is a minimal valid program file with the given standard_fen values.
func program(t *testing.T, values string) *eligibility.Program {
	t.Helper()
	src := `id: tiny
title: {zh: 测试, en: Test}
region_prefix: "11"
source: ["test"]
datasets:
  - {name: person, max_age: 45d}
parameters:
  standard_fen:
` + values + `
  area:
    - {value: "110105", effective_from: 2015-01-01, source: {zh: 区, en: district}}
parameter_review:
  standard_fen: {review_after: 13mo}
  area: {review_after: 15y}
rules:
  - id: always
    kind: requirement
    description: {zh: 总是, en: always}
    uses: [person]
    expression: "true"
`
	reg, err := eligibility.Load(fstest.MapFS{"tiny.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := reg.Program("tiny")
	return p
}

const twoValues = `    - {value: 117000, effective_from: 2020-07-01, source: {zh: 甲, en: a}}
    - {value: 132000, effective_from: 2022-07-01, source: {zh: 乙, en: b}}`

func TestRows(t *testing.T) {
	rows := paramdb.Rows([]*eligibility.Program{program(t, twoValues)})
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = r.Parameter + " " + r.EffectiveFrom.Format(time.DateOnly) + " " + r.Value + " " + r.SourceZh + "/" + r.SourceEn
	}
	want := []string{"area 2015-01-01 110105 区/district", "standard_fen 2020-07-01 117000 甲/a", "standard_fen 2022-07-01 132000 乙/b"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// TestPublishOnlyChangesAndViewShowsLatest publishes to a real ClickHouse:
// the same parameters twice add nothing; a withdrawn and a new value are a
// new publication, and the analytics view shows only it, as the analysts'
// dibao query reads it.
func TestPublishOnlyChangesAndViewShowsLatest(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	first := []*eligibility.Program{program(t, twoValues)}
	for i, wantChanged := range []bool{true, false} {
		changed, err := paramdb.Publish(ctx, conn, cfg.AnalyticsDatabase, first, now)
		if err != nil {
			t.Fatal(err)
		}
		if (len(changed) > 0) != wantChanged {
			t.Fatalf("publication %d changed %v, want changes %v", i+1, changed, wantChanged)
		}
	}
	// Same second: the new publication still comes after the first.
	second := []*eligibility.Program{program(t, `    - {value: 117000, effective_from: 2020-07-01, source: {zh: 甲, en: a}}
    - {value: 140000, effective_from: 2025-07-01, source: {zh: 丙, en: c}}`)}
	if changed, err := paramdb.Publish(ctx, conn, cfg.AnalyticsDatabase, second, now); err != nil || !slices.Equal(changed, []string{"tiny"}) {
		t.Fatalf("second publication changed %v (%v), want [tiny]", changed, err)
	}
	got := storetest.Cells(t, conn, "SELECT parameter, toString(effective_from), value FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+
		".program_parameter ORDER BY parameter, effective_from")
	want := [][]string{{"area", "2015-01-01", "110105"}, {"standard_fen", "2020-07-01", "117000"}, {"standard_fen", "2025-07-01", "140000"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("analytics view: %v, want %v", got, want)
	}
	var total uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+".program_parameter_history").Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 6 {
		t.Errorf("%d rows stored, want 6 (two publications of 3; the repeat adds none)", total)
	}
	// The value in force on a day, as docs/analytics/dibao_line_per_community.sql reads it.
	in := storetest.Cells(t, conn, "SELECT argMax(value, effective_from) FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+
		".program_parameter WHERE program = 'tiny' AND parameter = 'standard_fen' AND effective_from <= toDate('2025-06-30')")
	if len(in) != 1 || in[0][0] != "117000" {
		t.Errorf("standard in force on 2025-06-30: %v, want 117000", in)
	}
}

package hotline

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestSummarize(t *testing.T) {
	cm, _ := NewCommittees(DefaultCommittees, NewTaxonomy(nil))
	cur := map[string]KindStats{
		KindParking: {Kind: KindParking, Cases: 30, Calls: 40, Resolved: 27, Closed: 27, MedianDays: 2},
		KindHeating: {Kind: KindHeating, Cases: 12, Calls: 12, Resolved: 6, Closed: 6, MedianDays: 5},
		KindGarbage: {Kind: KindGarbage, Cases: 8, Calls: 9, Resolved: 8},
		KindNoise:   {Kind: KindNoise, Cases: 3, Calls: 3, Resolved: 1},
	}
	s := Summarize(Rank(2026, cur, nil, cm), 5)
	if *s.Cases != 53 || *s.Calls != 64 || *s.ResolvedShare != 0.7925 {
		t.Errorf("totals %v %v %v", *s.Cases, *s.Calls, *s.ResolvedShare)
	}
	// Noise (3 cases) is withheld, and so is garbage (the next smallest),
	// so noise cannot be had as the total minus the others.
	for _, p := range s.Problems {
		want := p.Kind == KindNoise || p.Kind == KindGarbage
		if p.Suppressed != want || (p.Cases == nil) != want || (p.Calls == nil) != want || (p.ResolvedShare == nil) != want {
			t.Errorf("%s: suppressed %v, cases %v", p.Kind, p.Suppressed, p.Cases)
		}
	}
	// A community under the threshold shows no totals.
	small := Summarize(Rank(2026, map[string]KindStats{KindNoise: {Kind: KindNoise, Cases: 4, Calls: 4}}, nil, cm), 3)
	if small.Cases != nil || small.SuppressBelow != 5 || !small.Problems[0].Suppressed {
		t.Errorf("small community %+v", small)
	}
}

func TestWriteSummaryCSV(t *testing.T) {
	tax := NewTaxonomy(map[string]string{"公式": "=HYPERLINK(\"x\")"})
	cm, err := NewCommittees(append(append([]Committee(nil), DefaultCommittees...), Committee{Name: "@委员会", Kinds: []string{"=HYPERLINK(\"x\")"}}), tax)
	if err != nil {
		t.Fatal(err)
	}
	r := Rank(2026, map[string]KindStats{"=HYPERLINK(\"x\")": {Kind: "=HYPERLINK(\"x\")", Cases: 9, Calls: 9, Resolved: 9, Closed: 9, MedianDays: 1.25},
		KindParking: {Kind: KindParking, Cases: 2, Calls: 2}, KindHeating: {Kind: KindHeating, Cases: 6, Calls: 7, Resolved: 3}}, nil, cm)
	r.Community = Community{Code: "110105026001", Name: "-花家地社区"}
	var b bytes.Buffer
	if err := WriteSummaryCSV(&b, Summarize(r, 5)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][4] != "问题类别" {
		t.Fatalf("rows %v", rows)
	}
	first := rows[1]
	if first[2] != "'-花家地社区" || first[4] != `'=HYPERLINK("x")` || first[5] != "'@委员会" || first[6] != "9" || first[8] != "1.0000" || first[9] != "1.3" {
		t.Errorf("first row %q", first)
	}
	if last := rows[3]; last[4] != KindParking || last[6] != "<5" || last[7] != "<5" || last[9] != "<5" {
		t.Errorf("withheld row %q", last)
	}
}

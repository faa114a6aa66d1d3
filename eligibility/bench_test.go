package eligibility

import "testing"

// BenchmarkDibaoHousehold4 evaluates the dibao program (every rule, CEL) for
// the household of four in dibao.yaml's first test case (three counted
// members with wages, one deceased). Run: go test -run '^$' -bench . -benchmem
// ./eligibility/.
func BenchmarkDibaoHousehold4(b *testing.B) {
	reg, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	p, ok := reg.Program("dibao")
	if !ok {
		b.Fatal("no dibao program")
	}
	var tc *TestCase
	for i := range p.Tests {
		if len(p.Tests[i].Input.Members) == 4 {
			tc = &p.Tests[i]
			break
		}
	}
	if tc == nil {
		b.Fatal("dibao.yaml has no test case with a household of 4")
	}
	in := p.TestInput(*tc)
	if d := Evaluate(p, in, tc.AsOf); d.Decision != tc.Expect.Decision {
		b.Fatalf("decision %s, want %s", d.Decision, tc.Expect.Decision)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Evaluate(p, in, tc.AsOf)
	}
}

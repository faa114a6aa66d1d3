package eligibility

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkDibaoHousehold4 evaluates the dibao program (every rule, CEL) for
// the household of four in dibao.yaml's first test case (three counted
// members with wages, one deceased). cpu-ns/op is the process's CPU time
// per evaluation (user + system, GC included): on a shared machine it
// moves less than ns/op, which counts waiting for a core too. Run:
// go test -run '^$' -bench . -benchmem ./eligibility/.
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
	for _, unmetered := range []bool{true, false} {
		name := "unmetered"
		if !unmetered {
			name = "metered" // every expression with cost tracking, as before the unmetered plans
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU()
			n := 0
			for b.Loop() {
				_ = evaluate(p, in, tc.AsOf, unmetered)
				n++
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/op")
		})
	}
}

// processCPU is the process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

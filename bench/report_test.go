package bench

import (
	"strings"
	"testing"
)

func TestNumbers(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(num(0), "0")
	f(num(7.25), "7.2")
	f(num(999.6), "1,000")
	f(num(1234567), "1,234,567")
	f(ms(1.234), "1.2")
	f(ms(1509.4), "1,509")
	f(frac(0.020284), "0.0203")
	f(frac(0), "—")
	f(times(1265.3), "1,265")
	f(times(1.36), "1.4")
}

func TestFirstErrors(t *testing.T) {
	f := func(log string, n int, want string) {
		t.Helper()
		if got := firstErrors(log, n); got != want {
			t.Fatalf("firstErrors(%q, %d) = %q, want %q", log, n, got, want)
		}
	}
	f("", 5, "")
	f(`{"level":"INFO","msg":"a"}`+"\n", 5, "")
	f(`{"level":"ERROR","msg":"cause"}`+"\n"+`{"level":"ERROR","msg":"later"}`+"\n", 1,
		"first errors:\n"+`{"level":"ERROR","msg":"cause"}`+"\nlast lines:\n")
}

func TestHitShare(t *testing.T) {
	f := func(before, after [2]float64, want float64) {
		t.Helper()
		if got := hitShare(before, after); got != want {
			t.Fatalf("hitShare(%v, %v) = %v, want %v", before, after, got, want)
		}
	}
	f([2]float64{-1, -1}, [2]float64{10, 10}, -1)
	f([2]float64{5, 5}, [2]float64{5, 5}, -1)
	f([2]float64{0, 0}, [2]float64{3, 1}, 0.75)
	f([2]float64{10, 20}, [2]float64{10, 30}, 0)
}

// TestPrintExcelSources prints a line per Excel source (the issue's own
// target for them) and none for the others.
func TestPrintExcelSources(t *testing.T) {
	var b strings.Builder
	Print(&b, &Result{Ingest: &Ingest{Sources: []SourceRate{
		{Source: "hukou", Format: "csv", Records: 1000, Seconds: 1, PerS: 1000},
		{Source: "payroll", Format: "xlsx", Records: 2869365, Seconds: 143.5, PerS: 19995.6},
	}}})
	out := b.String()
	if !strings.Contains(out, "ingest end to end, Excel source payroll") || !strings.Contains(out, "19,996 rows/s (2,869,365 rows in 144 s)") {
		t.Errorf("no line for the Excel source payroll:\n%s", out)
	}
	if strings.Contains(out, "source hukou") {
		t.Errorf("a line for the CSV source hukou:\n%s", out)
	}
}

package bench

import "testing"

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

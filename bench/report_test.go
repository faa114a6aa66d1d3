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

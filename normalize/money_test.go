package normalize

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestFen(t *testing.T) {
	ok := func(in string, want int64) {
		t.Helper()
		got, err := Fen(in)
		if err != nil || got != want {
			t.Fatalf("Fen(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	ok("0", 0)
	ok("0.00", 0)
	ok("-0", 0)
	ok("12", 1200)
	ok("1234.5", 123450)
	ok("1,234.50", 123450)
	ok("1,234,567.89", 123456789)
	ok("1234.5元", 123450)
	ok("1234.50 元", 123450)
	ok("¥1,234", 123400)
	ok("￥1234", 123400)
	ok("¥ 1234.01", 123401)
	ok("RMB 12", 1200)
	ok("rmb12", 1200)
	ok("CNY 12.3", 1230)
	ok("人民币12元", 1200)
	ok("１２３４．５", 123450)
	ok("１，２３４", 123400)
	ok("-12.3", -1230)
	ok("－12.3", -1230)
	ok("−12.3", -1230)
	ok("+12.3", 1230)
	ok("-¥12.3", -1230)
	ok("¥-12.3", -1230)
	ok("1.2万", 1200000)
	ok("1.234567万元", 1234567)
	ok("3万", 3000000)
	ok("007", 700)
	ok("92233720368547758.07", math.MaxInt64)

	bad := func(in, reason string) {
		t.Helper()
		_, err := Fen(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldAmount || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Fen(%q): got %v, want reason containing %q", in, err, reason)
		}
	}
	bad("", "empty")
	bad("元", "no digits")
	bad("¥", "no digits")
	bad("1.234", "more than 2 decimal")
	bad("1.2345678万", "more than 6 decimal")
	bad("1,23,4", "thousands")
	bad("1234,567", "thousands")
	bad(",123", "thousands")
	bad("1.234,50", "not a number")
	bad("1.2.3", "not a number")
	bad(".5", "not a number")
	bad("5.", "not a number")
	bad("12 34", "not a number")
	bad("abc", "not a number")
	bad("--12", "two signs")
	bad("-¥-12", "two signs")
	bad("(12.30)", "not a number")
	bad("1e3", "not a number")
	bad("92233720368547758.08", "too large")
	bad(strings.Repeat("9", 40), "too large")
}

func FuzzFen(f *testing.F) {
	for _, s := range []string{"1,234.50", "¥-12", "1.2万", "RMB 12", "1,23,4", "-0.01", "９", "1.234,50"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := Fen(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != FieldAmount || e.Reason == "" {
				t.Fatalf("Fen(%q): error %v is not an amount *Error", in, err)
			}
			return
		}
		sign, abs := "", uint64(n)
		if n < 0 {
			sign, abs = "-", uint64(-n)
		}
		canonical := fmt.Sprintf("%s%d.%02d", sign, abs/100, abs%100)
		if again, err := Fen(canonical); err != nil || again != n {
			t.Fatalf("Fen(%q) = %d, but Fen(%q) = %d, %v", in, n, canonical, again, err)
		}
	})
}

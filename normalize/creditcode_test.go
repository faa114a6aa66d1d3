package normalize

import (
	"errors"
	"strings"
	"testing"
)

// creditWithCheck appends the GB 32100-2015 check character to 17 characters.
func creditWithCheck(s17 string) string { return s17 + string(creditCheckChar(s17)) }

func TestCreditCode(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		got, err := CreditCode(in)
		if err != nil || got != want {
			t.Fatalf("CreditCode(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	ok("91350100M000100Y43", "91350100M000100Y43") // published example; check character verified by creditCheckChar
	ok(" 91350100m000100y43 ", "91350100M000100Y43")
	ok("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43")
	ok(creditWithCheck("91110000600000000"), creditWithCheck("91110000600000000"))
	ok(creditWithCheck("12100000400000000"), creditWithCheck("12100000400000000"))
	ok(creditWithCheck("Y1440300MA5DXXXX0"), creditWithCheck("Y1440300MA5DXXXX0"))
	// Check value 31 - 0 = 31 is written "0": all zeros sums to 0.
	ok("000000000000000000", "000000000000000000")

	bad := func(in, reason string) {
		t.Helper()
		_, err := CreditCode(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldCreditCode || !strings.Contains(e.Reason, reason) {
			t.Fatalf("CreditCode(%q): got %v, want reason containing %q", in, err, reason)
		}
	}
	bad("", "empty")
	bad("91350100M000100Y4", "17 characters")
	bad("91350100M000100Y44", "check character")
	bad("91350100M000100I43", "not a credit code character")
	bad("91350100O000100Y43", "not a credit code character")
	bad("9135010０M000100Y4张", "outside")
	bad("350100400000000", "15 characters") // old registration number
}

func TestCreditCheckCharMatchesDefinition(t *testing.T) {
	// The weights are 3^(i-1) mod 31 (GB 32100-2015, 5.2).
	w := 1
	for i, got := range creditWeights {
		if got != w {
			t.Fatalf("weight %d = %d, want %d", i+1, got, w)
		}
		w = w * 3 % 31
	}
}

func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100m000100y43", "000000000000000000", "", "ＩＯ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		code, err := CreditCode(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != FieldCreditCode {
				t.Fatalf("CreditCode(%q): error %v is not a credit_code *Error", in, err)
			}
			return
		}
		if len(code) != 18 || creditCheckChar(code) != code[17] {
			t.Fatalf("CreditCode(%q) = %q: invalid", in, code)
		}
		if again, err := CreditCode(code); err != nil || again != code {
			t.Fatalf("CreditCode(%q) = %q, which re-normalizes to %q, %v", in, code, again, err)
		}
	})
}

package normalize

import (
	"errors"
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		got, err := Phone(in)
		if err != nil || got != want {
			t.Fatalf("Phone(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	ok("13812345678", "13812345678")
	ok("138-1234-5678", "13812345678")
	ok("138 1234 5678", "13812345678")
	ok("+86 138 1234 5678", "13812345678")
	ok("+8613812345678", "13812345678")
	ok("008613812345678", "13812345678")
	ok("１３８１２３４５６７８", "13812345678")
	ok("010-65123456", "01065123456")
	ok("(010) 6512 3456", "01065123456")
	ok("021-5123456", "0215123456")
	ok("0755-86123456", "075586123456")
	ok("+86 10 6512 3456", "01065123456")
	ok("+86-755-86123456", "075586123456")

	bad := func(in, reason string) {
		t.Helper()
		_, err := Phone(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldPhone || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Phone(%q): got %v, want reason containing %q", in, err, reason)
		}
	}
	bad("", "empty")
	bad("+86", "characters other than digits")
	bad("65123456", "neither")
	bad("12345678901", "neither")
	bad("1381234567", "neither")
	bad("138123456789", "neither")
	bad("400-810-8888", "neither")
	bad("010-6512345678", "7 or 8")
	bad("0755-861234", "7 or 8")
	bad("010-05123456", "starting with 0 or 1")
	bad("0010-65123456", "starting 00")
	bad("010-65123456 ext 12", "characters other than digits")
	bad("010-65123456转12", "characters other than digits")
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 10 6512 3456", "0755-86123456", "+86", "0", "01", "+860"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Phone(in)
		if err != nil {
			if e := (*Error)(nil); !errors.As(err, &e) || e.Field != FieldPhone {
				t.Fatalf("Phone(%q): error %v is not a phone *Error", in, err)
			}
			return
		}
		if !isDigits(got) || len(got) < 10 || len(got) > 12 {
			t.Fatalf("Phone(%q) = %q: not 10-12 digits", in, got)
		}
		if again, err := Phone(got); err != nil || again != got {
			t.Fatalf("Phone(%q) = %q, which re-normalizes to %q, %v", in, got, again, err)
		}
	})
}

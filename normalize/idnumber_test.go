package normalize

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// withCheck appends the GB 11643-1999 check character to 17 digits.
func withCheck(d17 string) string { return d17 + string(idCheckChar(d17)) }

func TestIDNumber(t *testing.T) {
	ok := func(in, want string, wantWarnings int) {
		t.Helper()
		got, warnings, err := IDNumberAt(in, testNow)
		if err != nil {
			t.Fatalf("IDNumberAt(%q): unexpected error %v", in, err)
		}
		if got != want {
			t.Fatalf("IDNumberAt(%q) = %q, want %q", in, got, want)
		}
		if len(warnings) != wantWarnings {
			t.Fatalf("IDNumberAt(%q) warnings = %q, want %d", in, warnings, wantWarnings)
		}
	}
	// The examples printed in GB 11643-1999.
	ok("11010519491231002X", "11010519491231002X", 0)
	ok("440524188001010014", "440524188001010014", 0) // 潮阳县: abolished, still known
	ok(" 11010519491231002x ", "11010519491231002X", 0)
	ok("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", 0)
	ok("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", 0)
	// 15-digit first-generation numbers gain "19" and a check character.
	ok("110105491231002", "11010519491231002X", 1)
	ok(withCheck("11010120250601001"), withCheck("11010120250601001"), 0) // born today
	// Foreigner permanent-residence ID (starts with 9), HK/Macao/Taiwan permits.
	ok(withCheck("93111219900101001"), withCheck("93111219900101001"), 0)
	ok(withCheck("81000019900101001"), withCheck("81000019900101001"), 0)
	ok(withCheck("83000019900101001"), withCheck("83000019900101001"), 0)
	// Unknown address code: a warning, not a rejection.
	ok(withCheck("11019919900101001"), withCheck("11019919900101001"), 1)

	bad := func(in, reason string) {
		t.Helper()
		_, _, err := IDNumberAt(in, testNow)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("IDNumberAt(%q): got %v, want *Error", in, err)
		}
		if e.Field != FieldIDNumber || !strings.Contains(e.Reason, reason) {
			t.Fatalf("IDNumberAt(%q): got %+v, want reason containing %q", in, e, reason)
		}
		if len(in) >= 15 && strings.Contains(err.Error(), strings.TrimSpace(in)) {
			t.Fatalf("IDNumberAt(%q): error %q shows the full number", in, err)
		}
	}
	bad("", "empty")
	bad("   ", "empty")
	bad("11010519491231002", "characters")
	bad("110105194912310021X", "characters")
	bad("11010519491231002Y", "17 digits")
	bad("1101051949123100X2", "17 digits")
	bad("11010549123100X", "15-digit")
	bad("110105194912310021", "check digit")
	bad(withCheck("19010119900101001"), "province")
	bad(withCheck("00010119900101001"), "province")
	bad(withCheck("11010119900230001"), "calendar")
	bad(withCheck("11010119901301001"), "calendar")
	bad(withCheck("11010118000101001"), "before 1850")
	bad(withCheck("11010120250602001"), "future")
	bad("110105490231002", "calendar") // 1949-02-31
}

func TestMaskID(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := MaskID(in); got != want {
			t.Fatalf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
	f("11010519491231002X", "110105********002X")
	f("110105491231002", "110105*****1002")
	f("12345", "1***5")
	f("ab", "**")
	f("", "")
	f("张三丰", "张*丰")
}

func TestBirthDateAndSexFromID(t *testing.T) {
	f := func(id, birth, sex string) {
		t.Helper()
		got, ok := BirthDateFromID(id)
		if birth == "" {
			if ok {
				t.Fatalf("BirthDateFromID(%q) = %v, want not ok", id, got)
			}
		} else if !ok || got.Format(time.DateOnly) != birth || got.Location() != time.UTC || got.Hour() != 0 {
			t.Fatalf("BirthDateFromID(%q) = %v, %v, want %s", id, got, ok, birth)
		}
		if s := SexFromID(id); s != sex {
			t.Fatalf("SexFromID(%q) = %q, want %q", id, s, sex)
		}
	}
	f("11010519491231002X", "1949-12-31", "2")
	f("440524188001010014", "1880-01-01", "1")
	f("110105491231001", "1949-12-31", "1")
	f("110105194902301234", "", "1")
	f("1101", "", "")
	f("1101051949123100X2", "1949-12-31", "")
}

func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "110105491231002", " １１０１０５１９４９１２３１００２ｘ", "93111219900101001X", "", "x", "11010519491231002\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		id, _, err := IDNumberAt(in, testNow)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != FieldIDNumber || e.Reason == "" {
				t.Fatalf("IDNumberAt(%q): error %v is not an id_number *Error", in, err)
			}
			if !looksMasked(e.Value) {
				t.Fatalf("IDNumberAt(%q): error value %q is not masked", in, e.Value)
			}
			return
		}
		if len(id) != 18 || idCheckChar(id) != id[17] {
			t.Fatalf("IDNumberAt(%q) = %q: not 18 characters with a valid check character", in, id)
		}
		again, _, err := IDNumberAt(id, testNow)
		if err != nil || again != id {
			t.Fatalf("IDNumberAt(%q) = %q, which re-normalizes to %q, %v", in, id, again, err)
		}
		if _, ok := BirthDateFromID(id); !ok {
			t.Fatalf("BirthDateFromID(%q) not ok", id)
		}
		if s := SexFromID(id); s != "1" && s != "2" {
			t.Fatalf("SexFromID(%q) = %q", id, s)
		}
		if m := MaskID(id); strings.Contains(m, id[6:14]) && strings.Count(m, "*") != 8 {
			t.Fatalf("MaskID(%q) = %q", id, m)
		}
	})
}

// looksMasked reports whether every character MaskID hides in a value of
// that length is "*".
func looksMasked(v string) bool {
	r := []rune(v)
	lo, hi := 1, len(r)-1
	switch n := len(r); {
	case n == 18 || n == 15:
		lo, hi = 6, n-4
	case n <= 2:
		lo, hi = 0, n
	}
	for i := lo; i < hi; i++ {
		if r[i] != '*' {
			return false
		}
	}
	return true
}

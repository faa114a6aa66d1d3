package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUndecodable(t *testing.T) {
	f := func(in string, bad bool) {
		t.Helper()
		if got := Undecodable(in) != ""; got != bad {
			t.Fatalf("Undecodable(%q) = %q, want bad=%v", in, Undecodable(in), bad)
		}
	}
	f("", false)
	f("张三", false)
	f("阿卜杜·热合曼", false)
	f("刘䶮", false) // GB18030-only (CJK Ext. A), valid text
	f("张\uFFFD", true)
	f("\xff\xfe", true)
	f("abc\xc3", true)
	// the eight-byte ASCII scan: a bad byte in either half of a word, or in
	// the tail after the last whole word
	f("0123456789abcdef", false)
	f("0123456\xff89abcdef", true)
	f("01234567\xff9abcdef", true)
	f("0123456789abcde\xff", true)
	f("0123456789abcdef\xef\xbf\xbd", true)
	f("0123456789abcdef张", false)
}

func FuzzUndecodable(f *testing.F) {
	for _, s := range []string{"", "张三", "\uFFFD", "\xff", "a\xc3("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// What passes is stored as Text makes it: never with U+FFFD.
		if Undecodable(s) == "" && strings.ContainsRune(Text(s), utf8.RuneError) {
			t.Fatalf("Undecodable(%q) passed but Text gives U+FFFD", s)
		}
		if Undecodable(s) != "" && utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) {
			t.Fatalf("Undecodable(%q) refused storable text", s)
		}
		if want := utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError); (Undecodable(s) == "") != want {
			t.Fatalf("Undecodable(%q) = %q, want storable=%v", s, Undecodable(s), want)
		}
	})
}

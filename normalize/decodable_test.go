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
	})
}

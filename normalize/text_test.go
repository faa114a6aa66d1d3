package normalize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := Text(in); got != want {
			t.Fatalf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	f("", "")
	f("  \t\n", "")
	f(" 北京市　东城区 ", "北京市 东城区")
	f("Ａ栋１２０１室", "A栋1201室")
	f("a\u00a0\u00a0b", "a b")
	f("a\r\nb", "a b")
	f("\ufeffabc\u200b", "abc")
	f("a\x00b", "ab")
	f("\xffab", "\ufffdab")
	f("ｶﾀｶﾅ", "カタカナ")
}

func FuzzText(f *testing.F) {
	for _, s := range []string{" 北京市　东城区 ", "\xff", "ｶﾞ", "a\u200b b", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Text(in)
		if !utf8.ValidString(got) || got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Fatalf("Text(%q) = %q: invalid, untrimmed or uncollapsed", in, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) || isInvisible(r) }) {
			t.Fatalf("Text(%q) = %q: other whitespace or invisible characters left", in, got)
		}
		if again := Text(got); again != got {
			t.Fatalf("Text(%q) = %q, which re-normalizes to %q", in, got, again)
		}
	})
}

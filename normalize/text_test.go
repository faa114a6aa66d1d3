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

// TestCleanTextEveryRune: for every code point, alone and between letters,
// the clean-text check agrees with the full clean-up.
func TestCleanTextEveryRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		for _, s := range []string{string(r), "a" + string(r) + "b", "a " + string(r)} {
			if isCleanText(s) && cleanText(s) != s {
				t.Fatalf("%U: %q is taken as clean, but Text makes it %q", r, s, cleanText(s))
			}
			if !isCleanText(s) && cleanText(s) == s && s != "" {
				t.Fatalf("%U: %q is clean but not recognised as such", r, s)
			}
		}
	}
}

// FuzzTextFastPath: a value taken as clean is what the full clean-up gives.
func FuzzTextFastPath(f *testing.F) {
	for _, s := range []string{"北京市 东城区", "a  b", " a", "a ", "\xff", "ｶﾞ", "Ａ", "a\u200bb", "a\u3000b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := Text(in), cleanText(in); got != want {
			t.Fatalf("Text(%q) = %q, the full clean-up gives %q", in, got, want)
		}
	})
}

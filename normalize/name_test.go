package normalize

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		got, err := Name(in)
		if err != nil || got != want {
			t.Fatalf("Name(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	ok("张三", "张三")
	ok("  张三\u3000", "张三")
	ok("欧阳\u3000\u3000娜娜", "欧阳 娜娜")
	ok("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith")
	ok("John \t Smith", "John Smith")
	ok("阿卜杜·热合曼", "阿卜杜·热合曼")
	ok("阿卜杜•热合曼", "阿卜杜·热合曼")
	ok("阿卜杜‧热合曼", "阿卜杜·热合曼")
	ok("阿卜杜・热合曼", "阿卜杜·热合曼")
	ok("阿卜杜･热合曼", "阿卜杜·热合曼")
	ok("阿卜杜．热合曼", "阿卜杜·热合曼")
	ok("阿卜杜.热合曼", "阿卜杜·热合曼")
	ok("阿卜杜 . 热合曼", "阿卜杜·热合曼")
	ok("阿卜杜 · 热合曼", "阿卜杜·热合曼")
	ok("阿卜杜··热合曼", "阿卜杜·热合曼")
	ok("J.Smith", "J.Smith") // "." between Latin letters stays
	ok("张\u200b三", "张三")
	ok("阿卜杜⸱热合曼", "阿卜杜·热合曼")
	ok("阿卜杜ꞏ热合曼", "阿卜杜·热合曼")
	ok("张𪚥", "张𪚥") // GB18030-only surname character
	// long minority names and names in other scripts, as the hukou has them
	ok("阿卜杜热西提·买买提明·阿卜杜克热木·艾合买提江·吐尔逊托合提", "阿卜杜热西提·买买提明·阿卜杜克热木·艾合买提江·吐尔逊托合提")
	ok("ئابدۇرېھىم", "ئابدۇرېھىم")             // Uyghur
	ok("བསོད་ནམས་རྒྱལ་པོ", "བསོད་ནམས་རྒྱལ་པོ") // Tibetan (combining vowel signs)
	ok("ᠪᠠᠲᠤ", "ᠪᠠᠲᠤ")                         // Mongolian
	ok("Zhang San-Feng", "Zhang San-Feng")
	ok(strings.Repeat("龙", 64), strings.Repeat("龙", 64))

	bad := func(in, reason string) {
		t.Helper()
		_, err := Name(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldName || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Name(%q): got %v, want reason containing %q", in, err, reason)
		}
		if strings.Contains(err.Error(), "三丰") {
			t.Fatalf("Name(%q): error %q is not masked", in, err)
		}
	}
	bad("", "empty")
	bad(" \u3000 ", "empty")
	bad("12345", "only digits")
	bad("１２ ３４", "only digits")
	bad("·", "no letters")
	bad("--", "no letters")
	bad("张三丰"+strings.Repeat("龙", 62), "longer than 64")
	bad("张三丰\uFFFD", "U+FFFD")
	bad("张三丰\xff", "U+FFFD") // invalid UTF-8 is read as U+FFFD
	bad("张三丰?", `"?"`)
	bad("张三丰？", `"?"`) // full-width, width-folded
	bad("张三丰4", "contains digits")
	bad("张三丰４", "contains digits")
	bad("张三丰٣", "contains digits") // Arabic-Indic digit
}

func TestMaskName(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := MaskName(in); got != want {
			t.Fatalf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	f("张三丰", "张**")
	f("张三", "张*")
	f("张", "*")
	f("", "")
	f("阿卜杜·热合曼", "阿******")
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"张三", "阿卜杜 • 热合曼", "阿卜杜．热合曼", "张 . 三", "12", "J.Smith", "\xff\xfe", "·张·", "张?", "张\uFFFD", "阿卜杜⸱热合曼"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Name(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != FieldName || e.Reason == "" {
				t.Fatalf("Name(%q): error %v is not a name *Error", in, err)
			}
			return
		}
		if got == "" || got != strings.TrimSpace(got) || strings.Contains(got, "  ") || !utf8.ValidString(got) {
			t.Fatalf("Name(%q) = %q: not trimmed, collapsed, valid text", in, got)
		}
		if strings.ContainsAny(got, "?\uFFFD0123456789") {
			t.Fatalf("Name(%q) = %q: replacement char, ? or digit kept", in, got)
		}
		if utf8.RuneCountInString(got) > MaxNameRunes {
			t.Fatalf("Name(%q) = %q: too long", in, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r != middleDot && isDotVariant(r) }) {
			t.Fatalf("Name(%q) = %q: dot variant left", in, got)
		}
		again, err := Name(got)
		if err != nil || again != got {
			t.Fatalf("Name(%q) = %q, which re-normalizes to %q, %v", in, got, again, err)
		}
	})
}

// FuzzNameFastPath: the common-case path gives what the full clean-up gives.
func FuzzNameFastPath(f *testing.F) {
	for _, s := range []string{"张三", "阿卜杜·热合曼", "阿卜杜.热合曼", "Li Lei", "Li  Lei", "１２３", "ａｂ", " 张三"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, gerr := Name(in)
		want, werr := foldName(in)
		if got != want || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("Name(%q) = %q, %v; the full clean-up gives %q, %v", in, got, gerr, want, werr)
		}
	})
}

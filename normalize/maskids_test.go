package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"
)

func TestMaskIDsIn(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := MaskIDsIn(in); got != want {
			t.Fatalf("MaskIDsIn(%q) = %q, want %q", in, got, want)
		}
	}
	// The two ID forms, alone and inside record keys.
	f("110105198001010016", "110105********0016")
	f("11010519491231002X", "110105********002X")
	f("11010519491231002x", "110105********002x")
	f("110105491231002", "110105*****1002")
	f("hukou|110105198001010016|2", "hukou|110105********0016|2")
	f("110105491231002|2024-05", "110105*****1002|2024-05")
	f("a110105198001010016b", "a110105********0016b")
	f("110105198001010016 和 110105491231002", "110105********0016 和 110105*****1002")
	// Full-width and mixed-width digits, full-width check characters.
	f("１１０１０５１９８００１０１００１６|gate-7", "110105********0016|gate-7")
	f("１１０１０５１９４９１２３１００２Ｘ", "110105********002X")
	f("１１０１０５１９４９１２３１００２ｘ", "110105********002x")
	f("１１０１０５４９１２３１００２", "110105*****1002")
	f("110105１９８００１０１００１６", "110105********0016")
	// Other lengths of 15 or more: a mistyped or glued number is masked too.
	f("1101051980010100", "1**************0")                                   // 16
	f("11010519800101001", "1***************1")                                 // 17
	f("1101051980010100161", "1*****************1")                             // 19
	f("11010519800101001X5", "110105********001X5")                             // X ends the run
	f("12345678901234X", "123456*****234X")                                     // 14 digits + X = 15
	f("110105198001010016X", "1*****************X")                             // 18 digits + X = 19
	f("110105491231002X9", "1**************X9")                                 // 15 digits + X = 16
	f("110105198001010016110105491231002", "1*******************************2") // glued: one run
	// Left alone: short runs, letters, masks, other text, invalid UTF-8.
	f("", "")
	f("13812345678", "13812345678")
	f("12345678901234", "12345678901234")
	f("91110105MA01234567", "91110105MA01234567")
	f("2026-05-01 09:30", "2026-05-01 09:30")
	f("110105********0016", "110105********0016")
	f("X110105491231002", "X110105*****1002")
	f("张三|\xff110105491231002\xfe", "张三|\xff110105*****1002\xfe")
	f("１２３４５", "１２３４５")
}

func FuzzMaskIDsIn(f *testing.F) {
	for _, s := range []string{"110105198001010016", "hukou|110105491231002|2", "１１０１０５１９４９１２３１００２Ｘ|x",
		"12345678901234X", "110105198001010016X", "13812345678", "", "\xff1234567890123456", "x１１０１０５4912310021ｘ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskIDsIn(in)
		if again := MaskIDsIn(out); again != out {
			t.Fatalf("MaskIDsIn not idempotent: %q → %q → %q", in, out, again)
		}
		if n := longestIDRun(out); n >= minIDRun {
			t.Fatalf("MaskIDsIn(%q) = %q keeps an ID-like run of %d characters", in, out, n)
		}
		if !utf8.ValidString(in) {
			return
		}
		// Rune by rune: unchanged, or a digit / X of a masked run that became
		// "*" or its width-folded self.
		ri, ro := []rune(in), []rune(out)
		if len(ri) != len(ro) {
			t.Fatalf("MaskIDsIn(%q) = %q: %d runes, want %d", in, out, len(ro), len(ri))
		}
		for i := range ri {
			if ri[i] == ro[i] {
				continue
			}
			if !(isIDDigit(ri[i]) || isIDCheckX(ri[i])) || ro[i] != '*' && string(ro[i]) != width.Fold.String(string(ri[i])) {
				t.Fatalf("MaskIDsIn(%q) = %q: rune %d %q became %q", in, out, i, ri[i], ro[i])
			}
		}
		if !strings.Contains(in, "*") && strings.Contains(out, "*") != (longestIDRun(in) >= minIDRun) {
			t.Fatalf("MaskIDsIn(%q) = %q: masked %v, want %v", in, out, strings.Contains(out, "*"), longestIDRun(in) >= minIDRun)
		}
	})
}

// longestIDRun is the length, in runes, of the longest ID-like run of s (as
// MaskIDsIn defines it).
func longestIDRun(s string) int {
	best, n := 0, 0
	for _, r := range s {
		switch {
		case isIDDigit(r):
			n++
		case isIDCheckX(r) && n > 0:
			best, n = max(best, n+1), 0
			continue
		default:
			n = 0
		}
		best = max(best, n)
	}
	return best
}

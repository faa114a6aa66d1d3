package normalize

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes is the longest name Name accepts, in characters (runes).
const MaxNameRunes = 64

// middleDot is the separator of transliterated names (阿卜杜·热合曼) that
// the profile stores: U+00B7 MIDDLE DOT, as used on identity cards.
const middleDot = '\u00B7'

// isDotVariant reports the characters that systems and input methods use in
// place of the middle dot: U+00B7, U+0387, U+2022 •, U+2027 ‧, U+2219 ∙,
// U+22C5 ⋅, U+30FB ・ (and its half-width form U+FF65, folded to U+30FB),
// U+FF0E ．, U+FE52 ﹒, U+2E31 ⸱ and U+A78F ꞏ.
func isDotVariant(r rune) bool {
	switch r {
	case '\u00B7', '\u0387', '\u2022', '\u2027', '\u2219', '\u22C5', '\u30FB', '\uFF65', '\uFF0E', '\uFE52', '\u2E31', '\uA78F':
		return true
	}
	return false
}

// Name normalizes a person's name: trim, width folding (full-width letters
// and digits become ASCII), runs of whitespace (including U+3000) become one
// space, every middle-dot variant (see the list in the source: ·, •, ‧, ・,
// ．, ...) and an ASCII "." between two Chinese characters become U+00B7 "·",
// spaces around a dot are dropped and repeated dots merged
// ("阿卜杜 • 热合曼" → "阿卜杜·热合曼"). Rejected: an empty name, one of
// digits only, one without any letter, one longer than 64 characters, and
// one with a character no identity card has: U+FFFD (a lossy decoding),
// "?" (a character the exporting system could not represent) or any digit.
// Names in every script are accepted (Uyghur, Tibetan, Mongolian, Latin),
// as are long transliterated minority names up to 64 characters.
// The error masks the name (MaskName).
func Name(s string) (string, error) {
	if isCleanText(s) && strings.IndexFunc(s, func(r rune) bool { return r == '.' || isDotVariant(r) }) < 0 {
		return checkName(s) // nothing to fold, trim or join: the common case
	}
	return foldName(s)
}

// foldName is Name for a value that needs cleaning.
func foldName(s string) (string, error) {
	// U+FF0E must be caught before width folding turns it into ".".
	s = strings.Map(func(r rune) rune {
		if isDotVariant(r) {
			return middleDot
		}
		return r
	}, toValidUTF8(s))
	rs := []rune(Text(s))
	for i, r := range rs {
		if isDotVariant(r) || r == '.' && hanAround(rs, i) {
			rs[i] = middleDot
		}
	}
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		prevDot := len(out) > 0 && out[len(out)-1] == middleDot
		switch {
		case r == ' ' && (prevDot || i+1 < len(rs) && rs[i+1] == middleDot):
			continue
		case r == middleDot && prevDot:
			continue
		}
		out = append(out, r)
	}
	return checkName(string(out))
}

// checkName rejects a normalized name that is empty, too long, only digits
// or without letters.
func checkName(v string) (string, error) {
	fail := func(reason string) (string, error) { return "", newError(FieldName, v, reason) }
	switch {
	case v == "":
		return fail("is empty")
	case utf8.RuneCountInString(v) > MaxNameRunes:
		return fail("is longer than " + strconv.Itoa(MaxNameRunes) + " characters")
	case isDigits(strings.ReplaceAll(v, " ", "")):
		return fail("is only digits")
	case strings.IndexFunc(v, unicode.IsLetter) < 0:
		return fail("has no letters")
	case nameCharProblem(v) != "":
		return fail(nameCharProblem(v))
	}
	return v, nil
}

// hanAround reports whether the nearest non-space runes on both sides of
// rs[i] are Han (Chinese) characters.
func hanAround(rs []rune, i int) bool {
	prev, next := rune(-1), rune(-1)
	for j := i - 1; j >= 0; j-- {
		if rs[j] != ' ' {
			prev = rs[j]
			break
		}
	}
	for j := i + 1; j < len(rs); j++ {
		if rs[j] != ' ' {
			next = rs[j]
			break
		}
	}
	return prev >= 0 && next >= 0 && unicode.Is(unicode.Han, prev) && unicode.Is(unicode.Han, next)
}

// MaskName hides a name for logs, errors and displays: the first character is
// kept and every further character becomes "*" (张三丰 → 张**). A
// one-character value becomes "*" so that it is not shown whole; "" stays "".
func MaskName(s string) string {
	r := []rune(toValidUTF8(s))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

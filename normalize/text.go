package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Text is the generic clean-up for free text (addresses, employer names,
// summaries): invalid UTF-8 becomes U+FFFD, full-width forms become their
// ASCII equivalents and half-width katakana their standard forms (Unicode
// width folding, golang.org/x/text/width), zero-width and control characters
// are dropped, runs of whitespace (including the ideographic space U+3000,
// tabs and newlines) become one ASCII space, and the result is trimmed.
// Text is idempotent and never fails; an all-blank input gives "".
// A value that is already clean is returned as it is, without allocating.
func Text(s string) string {
	if isCleanText(s) {
		return s
	}
	return cleanText(s)
}

// cleanText is Text for a value that needs cleaning.
func cleanText(s string) string {
	s = fold(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case isInvisible(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isCleanText reports whether Text would return s unchanged: valid UTF-8,
// no white space but single ASCII spaces between other characters, and no
// invisible character or character that width folding changes. Plain ASCII
// and CJK text are recognised without table look-ups.
func isCleanText(s string) bool {
	space := true // at the start, a space would be leading
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if space {
					return false
				}
				space = true
			case c < 0x20 || c == 0x7f:
				return false
			default:
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		space = false
		switch {
		case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF:
			// CJK unified ideographs: never space, invisible or folded.
		case r == utf8.RuneError && size == 1:
			return false
		case unicode.IsSpace(r) || isInvisible(r) || width.LookupRune(r).Folded() != 0:
			return false
		}
	}
	return !space || s == ""
}

// fold makes s valid UTF-8 and applies Unicode width folding.
func fold(s string) string {
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	return width.Fold.String(s)
}

func toValidUTF8(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

// isInvisible reports control and format characters that carry no text:
// C0/C1 controls (whitespace is handled before), zero-width spaces and joiners,
// the byte-order mark and bidirectional marks.
func isInvisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

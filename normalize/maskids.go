package normalize

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// minIDRun is the shortest run MaskIDsIn masks: a first-generation
// (15-digit) identity number.
const minIDRun = 15

// MaskIDsIn masks every identity number (GB 11643-1999) inside free text —
// record keys built from department columns, file origins, error messages —
// with MaskID, so that the text can be logged or shown to a caller who may
// not see ID numbers in full.
//
// An ID-like run is a maximal run of digits, ASCII 0–9 or full-width ０–９
// (mixed widths allowed), plus one check character X, x, Ｘ or ｘ right after
// it. A run of 15 or more characters is width-folded and masked with MaskID:
// the two ID forms keep their first 6 and last 4 characters
// (110105********002X, 110105*****1234); 16, 17 and 19+ characters (a
// mistyped number, or one glued to other digits, identifies a person as
// well) keep only their first and last character. Shorter runs (dates, phone
// numbers, sequence numbers) and all other text pass unchanged, byte for byte
// (invalid UTF-8 included), and the rune count of valid UTF-8 text is kept.
// MaskIDsIn is idempotent and never panics.
func MaskIDsIn(text string) string {
	var b strings.Builder
	done := 0 // text[:done] is written to b (or needs no change)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isIDDigit(r) {
			i += size
			continue
		}
		start, n := i, 0
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isIDDigit(r) {
				break
			}
			i += size
			n++
		}
		if i < len(text) {
			if r, size = utf8.DecodeRuneInString(text[i:]); isIDCheckX(r) {
				i += size
				n++
			}
		}
		if n < minIDRun {
			continue
		}
		if done == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[done:start])
		run := text[start:i]
		if !isASCII(run) {
			run = width.Fold.String(run) // fullwidth digits and Ｘ
		}
		b.WriteString(MaskID(run))
		done = i
	}
	if done == 0 {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// isIDDigit reports an ASCII or full-width decimal digit.
func isIDDigit(r rune) bool {
	return r >= '0' && r <= '9' || r >= '０' && r <= '９'
}

// isIDCheckX reports a check character X in either case and width.
func isIDCheckX(r rune) bool {
	return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ'
}

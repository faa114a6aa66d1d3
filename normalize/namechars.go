package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameCharProblem says why a normalized name holds a character no name on
// an identity card has, or "" when it has none: the U+FFFD of a lossy
// decoder (the name would never match the card at the counter), a digit
// (also one of another script), or "?", which exporting systems write for a
// character their code page lacks (a GBK system for 𪚥, say).
func nameCharProblem(v string) string {
	switch {
	case strings.ContainsRune(v, utf8.RuneError):
		return "contains U+FFFD (a character that could not be decoded; check the source's encoding)"
	case strings.ContainsRune(v, '?'):
		return `contains "?" (a character the exporting system could not represent)`
	case strings.IndexFunc(v, unicode.IsDigit) >= 0:
		return "contains digits"
	}
	return ""
}

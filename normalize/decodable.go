package normalize

import (
	"strings"
	"unicode/utf8"
)

// Undecodable says why s is not text that can be stored: "is not valid
// UTF-8" for bytes no UTF-8 decoder accepts, "contains U+FFFD (a character
// that could not be decoded; check the source's encoding)" for the
// replacement character a lossy decoder (GBK, encoding/json) puts in place of
// bytes it could not read. It returns "" for storable text. The hub never
// stores a replacement character: a value that has one no longer matches what
// is written on the ID card, and two different undecodable keys would become
// one record.
func Undecodable(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.ContainsRune(s, utf8.RuneError):
		return "contains U+FFFD (a character that could not be decoded; check the source's encoding)"
	}
	return ""
}

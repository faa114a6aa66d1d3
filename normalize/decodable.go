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
	case isASCII(s):
		return ""
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.Contains(s, "\uFFFD"):
		// In valid UTF-8 the bytes EF BF BD are U+FFFD and nothing else:
		// a byte search finds the rune.
		return "contains U+FFFD (a character that could not be decoded; check the source's encoding)"
	}
	return ""
}

// isASCII reports whether s holds only ASCII bytes (always valid UTF-8,
// never U+FFFD), eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56)&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

package normalize

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// creditCharset is the GB 32100-2015 character set, in value order 0..30:
// digits and upper-case letters without I, O, Z, S and V.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the GB 32100-2015 weights 3^(i-1) mod 31 of positions 1..17.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCode normalizes a unified social credit code (统一社会信用代码,
// GB 32100-2015) of an employer or other organization: trim, width folding,
// upper case. Rejected: anything but 18 characters from the GB 32100 set
// (0-9 and A-Y without I, O, Z, S, V) and a wrong 18th (check) character,
// which must be 31 − (Σ value×weight mod 31), 31 meaning "0".
func CreditCode(s string) (string, error) {
	v := strings.ToUpper(Text(s))
	fail := func(reason string) (string, error) { return "", newError(FieldCreditCode, v, reason) }
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		return fail("is empty")
	case n != 18:
		return fail("has " + strconv.Itoa(n) + " characters, want 18")
	case len(v) != 18:
		return fail("has characters outside 0-9 and A-Y")
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditCharset, v[i]) < 0 {
			return fail("has " + strconv.QuoteRune(rune(v[i])) + ", which is not a credit code character (0-9, A-Y except I, O, S, V, Z)")
		}
	}
	if creditCheckChar(v) != v[17] {
		return fail("check character does not match")
	}
	return v, nil
}

// creditCheckChar computes the GB 32100-2015 check character of the first 17
// characters of s, which must all be in creditCharset.
func creditCheckChar(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditCharset, s[i]) * creditWeights[i]
	}
	return creditCharset[(31-sum%31)%31]
}

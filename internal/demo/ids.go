package demo

import (
	"fmt"
	"strings"
	"time"
)

// idWeights are the GB 11643-1999 weights 2^(17-i) mod 11 of digits 1..17.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheckChar returns the GB 11643-1999 check character (ISO 7064 MOD 11-2)
// of the first 17 digits of s. s must start with 17 ASCII digits.
func IDCheckChar(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// ValidID reports whether id is 17 digits followed by its correct check character.
func ValidID(id string) bool {
	if len(id) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return IDCheckChar(id) == id[17]
}

// makeID builds an 18-character identity number: address code (6 digits),
// birth date yyyymmdd, 3-digit sequence (odd last digit = male), check character.
func makeID(addr string, y int, m time.Month, d, seq int) string {
	s := fmt.Sprintf("%s%04d%02d%02d%03d", addr, y, m, d, seq)
	return s + string(IDCheckChar(s))
}

// to15 returns the first-generation 15-digit form of an 18-digit number of
// someone born in 19xx: the century digits and the check character dropped.
func to15(id18 string) string {
	return id18[:6] + id18[8:17]
}

// creditCharset is the GB 32100-2015 character set in value order 0..30.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the GB 32100-2015 check character of the first 17
// characters of s (all from creditCharset): 31 − (Σ value×weight mod 31), 31 → "0".
func CreditCheckChar(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditCharset, s[i]) * creditWeights[i]
	}
	return creditCharset[(31-sum%31)%31]
}

// orgCodeWeights are the GB 11714-1997 organization code weights.
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// makeCreditCode builds a unified social credit code of an enterprise
// registered by the market regulator (登记管理部门 9, 类别 1) in division
// addr: "91" + addr + 8-digit organization code + its GB 11714 check
// character + the GB 32100 check character.
func makeCreditCode(addr string, org int) string {
	body := fmt.Sprintf("%08d", org%100000000)
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(body[i]-'0') * orgCodeWeights[i]
	}
	c := 11 - sum%11
	check := byte('0' + c)
	switch c {
	case 10:
		check = 'X'
	case 11:
		check = '0'
	}
	s := "91" + addr + body + string(check)
	return s + string(CreditCheckChar(s))
}

// fullWidth turns ASCII digits and X into their full-width forms (０-９, Ｘ)
// and "-" into "－", as some department systems store them.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r - '0' + '０')
		case r == 'X':
			b.WriteRune('Ｘ')
		case r == '-':
			b.WriteRune('－')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

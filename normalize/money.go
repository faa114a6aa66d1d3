package normalize

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	reGrouped = regexp.MustCompile(`^\d{1,3}(,\d{3})+$`)
	// currency marks that may precede the number, matched case-insensitively.
	currencyPrefixes = []string{"¥", "RMB", "CNY", "人民币"}
)

// Fen parses an amount of money in yuan (元, Chinese renminbi) and returns it
// in integer fen (分, 1/100 yuan): "1,234.50" → 123450.
//
// Accepted: digits with an optional "." and at most 2 decimals; thousands
// grouped with "," in threes; a leading "-" or "+" (also full-width, or
// U+2212 −); a currency mark before the number (¥, ￥, RMB, CNY, 人民币) and
// the unit 元 after it; spaces between the parts; full-width digits; and the
// unit 万 or 万元 (×10 000, up to 6 decimals, so "1.2万" is exact).
//
// Rejected as ambiguous or malformed: "", more decimals than fen can hold,
// grouping other than threes ("1,23,4"), the European "1.234,50", more than
// one ".", a bare "." at either end, and amounts beyond ±2^63 fen.
func Fen(s string) (int64, error) {
	v := Text(s)
	fail := func(reason string) (int64, error) { return 0, newError(FieldAmount, v, reason) }
	if v == "" {
		return fail("is empty")
	}
	t := strings.ReplaceAll(v, "\u2212", "-")
	neg := false
	sign := func() bool {
		if t != "" && (t[0] == '-' || t[0] == '+') {
			neg = t[0] == '-'
			t = strings.TrimSpace(t[1:])
			return true
		}
		return false
	}
	signed := sign()
	for _, p := range currencyPrefixes {
		if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	if sign() && signed {
		return fail("has two signs")
	}
	scale := 2 // decimals that fit in fen
	switch {
	case strings.HasSuffix(t, "万元"):
		t, scale = strings.TrimSuffix(t, "万元"), 6
	case strings.HasSuffix(t, "万"):
		t, scale = strings.TrimSuffix(t, "万"), 6
	case strings.HasSuffix(t, "元"):
		t = strings.TrimSuffix(t, "元")
	}
	t = strings.TrimSpace(t)
	if t == "" {
		return fail("has no digits")
	}
	intPart, frac, hasDot := strings.Cut(t, ".")
	if strings.Contains(intPart, ",") {
		if !reGrouped.MatchString(intPart) {
			return fail("has malformed thousands separators")
		}
		intPart = strings.ReplaceAll(intPart, ",", "")
	}
	switch {
	case !isDigits(intPart) || hasDot && !isDigits(frac):
		return fail("is not a number of yuan")
	case len(frac) > scale:
		return fail("has more than " + strconv.Itoa(scale) + " decimal places")
	}
	digits := strings.TrimLeft(intPart+frac+strings.Repeat("0", scale-len(frac)), "0")
	if digits == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return fail("is too large")
	}
	if neg {
		n = -n
	}
	return n, nil
}

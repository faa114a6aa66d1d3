package normalize

import (
	"strconv"
	"strings"
)

// Phone normalizes a Chinese telephone number to digits only: an 11-digit
// mobile number (1[3-9]xxxxxxxxx) or a landline with its trunk prefix and area
// code (0 + 2-digit area code 10 or 2x, or 0 + 3-digit code, then a 7- or
// 8-digit local number not starting with 0 or 1), as in the national numbering
// plan: "+86 138-1234-5678" → "13812345678", "(010) 6512 3456" → "01065123456".
// Spaces, dashes, dots and parentheses are dropped, and a +86/0086 country
// code is removed (a landline written after it gets its 0 back). Rejected:
// numbers without an area code, extensions, service numbers (400/800) and
// anything else.
func Phone(s string) (string, error) {
	v := Text(s)
	fail := func(reason string) (string, error) { return "", newError(FieldPhone, v, reason) }
	if v == "" {
		return fail("is empty")
	}
	d := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, v)
	international := false
	switch {
	case strings.HasPrefix(d, "+86"):
		d, international = d[3:], true
	case strings.HasPrefix(d, "0086"):
		d, international = d[4:], true
	}
	if !isDigits(d) {
		return fail("has characters other than digits, spaces, dashes, parentheses and +86")
	}
	if len(d) == 11 && d[0] == '1' && d[1] >= '3' {
		return d, nil
	}
	if international && d[0] != '0' {
		d = "0" + d
	}
	if d[0] != '0' || len(d) < 10 {
		return fail("is neither an 11-digit mobile number nor a landline with area code")
	}
	area := 4 // 0 + 3 digits
	if d[1] == '1' && d[2] == '0' || d[1] == '2' {
		area = 3 // 010, 02x
	}
	local := len(d) - area
	switch {
	case d[1] == '0':
		return fail("has an area code starting 00")
	case local < 7 || local > 8:
		return fail("has a local number of " + strconv.Itoa(local) + " digits after the area code, want 7 or 8")
	case d[area] == '0' || d[area] == '1':
		return fail("has a local number starting with 0 or 1")
	}
	return d, nil
}

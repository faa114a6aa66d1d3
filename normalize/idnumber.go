package normalize

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// idWeights are the GB 11643-1999 weights 2^(17-i) mod 11 for digits 1..17.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (weighted sum mod 11) to the check character
// (ISO 7064 MOD 11-2, as used by GB 11643-1999).
const idCheckChars = "10X98765432"

// provinceCodes are the province-level prefixes of GB/T 2260 (11..65), plus
// 71 (Taiwan) and 81/82/83, the prefixes of residence permits for Hong Kong,
// Macao and Taiwan residents (address code 810000/820000/830000).
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// permitCodes are the address codes of residence permits for Hong Kong, Macao
// and Taiwan residents; they are not divisions, so no address warning.
var permitCodes = map[string]bool{"810000": true, "820000": true, "830000": true}

// minBirthYear is the earliest birth year accepted in an identity number;
// older dates are typing errors, not people.
const minBirthYear = 1850

// IDNumber normalizes a citizen identity number (公民身份号码, GB 11643-1999)
// against the current time; see IDNumberAt.
func IDNumber(s string) (id string, warnings []string, err error) {
	return IDNumberAt(s, time.Now())
}

// IDNumberAt normalizes a citizen identity number (GB 11643-1999) to its
// 18-character form and checks it, taking "today" from now (read in
// Asia/Shanghai).
//
// The input is trimmed and width-folded (full-width digits and Ｘ accepted),
// and a lower-case x check character is upper-cased. A 15-digit number (the
// 1984 first-generation form) is converted: "19" is inserted before the
// 2-digit birth year and the check character is computed; a warning says so.
//
// Rejected: anything but 17 digits plus a digit or X (or 15 digits); a first
// two digits that are neither a province code of GB/T 2260 (11–65), 71, 81,
// 82, 83 (residence permits of Hong Kong, Macao and Taiwan residents) nor a
// number starting with 9 (the 2023 foreigner permanent-residence ID); a birth
// date (digits 7–14) that is not a calendar date, is before 1850 or after
// today; a wrong check character (ISO 7064 MOD 11-2).
//
// Warnings, not rejections: an address code (digits 1–6) found neither in the
// 2023 division list nor in the 1980–2019 GB/T 2260 timeline (DefaultDivisions):
// people keep numbers whose codes were later abolished, and lists have gaps.
func IDNumberAt(s string, now time.Time) (id string, warnings []string, err error) {
	v := Text(s)
	fail := func(reason string) (string, []string, error) {
		return "", nil, newError(FieldIDNumber, v, reason)
	}
	if v == "" {
		return fail("is empty")
	}
	if n := utf8.RuneCountInString(v); n != 18 && n != 15 {
		return fail("has " + strconv.Itoa(n) + " characters, want 18 (or 15 for a first-generation number)")
	}
	if len(v) == 18 && v[17] == 'x' {
		v = v[:17] + "X"
	}
	switch {
	case len(v) == 15:
		if !isDigits(v) {
			return fail("a 15-digit number must be all digits")
		}
		v = v[:6] + "19" + v[6:]
		v += string(idCheckChar(v))
		warnings = append(warnings, "converted from a 15-digit first-generation number")
	case len(v) == 18:
		if !isDigits(v[:17]) || !(isDigits(v[17:]) || v[17] == 'X') {
			return fail("must be 17 digits followed by a digit or X")
		}
	default:
		return fail("must be 17 digits followed by a digit or X")
	}
	foreigner := v[0] == '9'
	if !foreigner && !provinceCodes[v[:2]] {
		return fail("starts with " + v[:2] + ", which is not a province code")
	}
	birth, ok := parseYYYYMMDD(v[6:14])
	if !ok {
		return fail("birth date is not a calendar date") // digits kept out: the mask hides them
	}
	if birth.Year() < minBirthYear {
		return fail("birth year is before " + strconv.Itoa(minBirthYear))
	}
	if birth.After(calendarDate(now.In(shanghai))) {
		return fail("birth date is in the future")
	}
	if c := idCheckChar(v[:17]); c != v[17] {
		return fail("check digit does not match")
	}
	if !foreigner && !permitCodes[v[:6]] {
		if _, _, known := DefaultDivisions().County(v[:6]); !known {
			warnings = append(warnings, "address code "+v[:6]+" is in neither the 2023 division list nor the 1980-2019 GB/T 2260 timeline")
		}
	}
	return v, warnings, nil
}

// idCheckChar computes the GB 11643-1999 check character of the first 17
// digits of s (ISO 7064 MOD 11-2). s must hold at least 17 ASCII digits.
func idCheckChar(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// MaskID hides the birth date and sequence of an identity number for logs,
// errors and displays: an 18-character value keeps its first 6 and last 4
// characters (110101********123X), a 15-character one likewise
// (110101*****1234); any other value keeps only its first and last character,
// and values of 1 or 2 characters are masked entirely. Works on runes.
func MaskID(id string) string {
	r := []rune(toValidUTF8(id))
	switch n := len(r); {
	case n == 18 || n == 15:
		return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
	case n <= 2:
		return strings.Repeat("*", n)
	default:
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	}
}

// BirthDateFromID returns the birth date held in an identity number (digits
// 7–14 of an 18-character number, or "19" + digits 7–12 of a 15-digit one) as
// a calendar date: midnight UTC of that day, not an instant. ok is false when
// id has another length or the digits are not a calendar date. It does not
// check the rest of the number; normalize with IDNumber first.
func BirthDateFromID(id string) (time.Time, bool) {
	switch len(id) {
	case 18:
		return parseYYYYMMDD(id[6:14])
	case 15:
		return parseYYYYMMDD("19" + id[6:12])
	}
	return time.Time{}, false
}

// SexFromID returns the GB/T 2261.1 sex code held in an identity number: "1"
// (male) when the sequence digit (17th of 18, 15th of 15) is odd, "2" (female)
// when it is even, and "" when id has another length or that character is not
// a digit.
func SexFromID(id string) string {
	var c byte
	switch len(id) {
	case 18:
		c = id[16]
	case 15:
		c = id[14]
	default:
		return ""
	}
	if c < '0' || c > '9' {
		return ""
	}
	if (c-'0')%2 == 1 {
		return "1"
	}
	return "2"
}

// parseYYYYMMDD reads an 8-digit yyyymmdd calendar date as midnight UTC.
func parseYYYYMMDD(s string) (time.Time, bool) {
	if len(s) != 8 || !isDigits(s) {
		return time.Time{}, false
	}
	return makeDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:8]))
}

// makeDate returns midnight UTC of y-m-d, and false if that is not a calendar
// date (month 13, 30 February, ...).
func makeDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// calendarDate drops the clock of t, keeping the day t shows in its location.
func calendarDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// atoi parses a short run of ASCII digits; callers check isDigits first.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

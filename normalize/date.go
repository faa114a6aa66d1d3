package normalize

import (
	"regexp"
	"strings"
	"time"
)

// shanghai is Asia/Shanghai, the zone of every department's local times.
// Without a time zone database it falls back to the fixed UTC+8 offset, which
// differs only for the summer-time years 1986–1991.
var shanghai = loadShanghai()

func loadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Accepted years. Values outside are sentinels ("0001-01-01") or typos.
const (
	minYear = 1000
	maxYear = 9999
)

// Excel serial day numbers (1900 date system): 1 is 1900-01-01 and 2958465 is
// 9999-12-31. Serial 60 is 1900-02-29, a day that did not exist but that
// Excel (copying Lotus 1-2-3) counts, so serials from 61 on are one day off.
const (
	maxExcelSerial  = 2958465
	excelLeapSerial = 60
)

var (
	excelEpoch    = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC) // day 0 for serials >= 61
	reDateSep     = regexp.MustCompile(`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})(.*)$`)
	reDateCJK     = regexp.MustCompile(`^(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?[日号]?(.*)$`)
	reTimeOfDay   = regexp.MustCompile(`^[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)? ?(Z|[+-]\d{2}:?\d{2})?$`)
	fracPowersTen = [10]int{1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}
)

// stamp is a parsed date or date-time, before any zone arithmetic.
type stamp struct {
	date    time.Time // the calendar date as written, midnight UTC
	hasTime bool
	clock   time.Duration  // time of day, when hasTime
	zone    *time.Location // the written offset, nil when none was written
}

// Date parses a calendar date: the day itself, not an instant. The result is
// midnight UTC of that day (time.Date(y, m, d, 0, 0, 0, 0, time.UTC)), so its
// Year/Month/Day are the date as the department meant it.
//
// Accepted: 2006-01-02, 2006-1-2, 2006/1/2, 2006.1.2, 20060102,
// 2006年1月2日, full-width digits, Excel serial day numbers (a plain integer
// 1..2958465 in the 1900 date system, with its nonexistent 1900-02-29 = 60
// rejected; a bare 8-digit number is always yyyymmdd), and any of these
// followed by a time ("2006-01-02 15:04:05", RFC 3339
// "2006-01-02T15:04:05+08:00"). A time without an offset is Asia/Shanghai
// local time and the date is taken as written; a time with an offset is an
// instant and its date is the day it falls on in Asia/Shanghai. Years must be
// 1000–9999.
func Date(s string) (time.Time, error) {
	v := Text(s)
	st, reason := parseStamp(v)
	if reason != "" {
		return time.Time{}, newError(FieldDate, v, reason)
	}
	if st.zone == nil {
		return st.date, nil
	}
	return calendarDate(st.instant(nil).In(shanghai)), nil
}

// DateTime parses an instant, in the formats of Date, and returns it in UTC.
// A value without an offset is Asia/Shanghai local time; a date alone means
// midnight at its start in Asia/Shanghai (2024-03-01 → 2024-02-29T16:00:00Z).
// Fractions of a second are kept down to nanoseconds.
func DateTime(s string) (time.Time, error) {
	v := Text(s)
	st, reason := parseStamp(v)
	if reason != "" {
		return time.Time{}, newError(FieldDate, v, reason)
	}
	t := st.instant(shanghai).UTC()
	if t.Year() < minYear || t.Year() > maxYear {
		return time.Time{}, newError(FieldDate, v, "is outside the years 1000-9999 in UTC")
	}
	return t, nil
}

// instant places st on the time line, in its written zone or else in local.
func (st stamp) instant(local *time.Location) time.Time {
	loc := st.zone
	if loc == nil {
		loc = local
	}
	y, m, d := st.date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Add(st.clock)
}

// parseStamp reads v (already cleaned by Text) and returns the reason it is
// not a date, or "".
func parseStamp(v string) (stamp, string) {
	if v == "" {
		return stamp{}, "is empty"
	}
	if isDigits(v) {
		if len(v) == 8 {
			t, ok := parseYYYYMMDD(v)
			if !ok {
				return stamp{}, "is not a calendar date (read as yyyymmdd)"
			}
			return checkYear(stamp{date: t})
		}
		return parseExcelSerial(v)
	}
	var y, m, d, rest string
	if ymd, tail, ok := isoDate(v); ok {
		y, m, d, rest = ymd[:4], ymd[5:7], ymd[8:10], tail // what reDateSep gives, without the regexp
	} else if g := reDateSep.FindStringSubmatch(v); g != nil {
		if g[2] != g[4] {
			return stamp{}, "mixes date separators"
		}
		y, m, d, rest = g[1], g[3], g[5], g[6]
	} else if g := reDateCJK.FindStringSubmatch(v); g != nil {
		y, m, d, rest = g[1], g[2], g[3], g[4]
		if rest != "" && rest[0] != ' ' && rest[0] != 'T' {
			rest = " " + rest
		}
	} else {
		return stamp{}, "is not a date in a known format"
	}
	t, ok := makeDate(atoi(y), atoi(m), atoi(d))
	if !ok {
		return stamp{}, "is not a calendar date"
	}
	st := stamp{date: t}
	if rest != "" {
		reason := st.parseClock(rest)
		if reason != "" {
			return stamp{}, reason
		}
	}
	return checkYear(st)
}

func checkYear(st stamp) (stamp, string) {
	if y := st.date.Year(); y < minYear || y > maxYear {
		return stamp{}, "year is outside 1000-9999"
	}
	return st, ""
}

// isoDate splits "2006-01-02…" (one of the separators - / . used twice,
// two-digit month and day) into the date and what follows it, when what
// follows is empty or starts with something other than a digit (so the
// regular expression would split it the same way).
func isoDate(v string) (ymd, rest string, ok bool) {
	if len(v) < 10 || !isDigits(v[:4]) || !isDigits(v[5:7]) || !isDigits(v[8:10]) || v[4] != v[7] {
		return "", "", false
	}
	if sep := v[4]; sep != '-' && sep != '/' && sep != '.' {
		return "", "", false
	}
	if len(v) > 10 && v[10] >= '0' && v[10] <= '9' {
		return "", "", false
	}
	return v[:10], v[10:], true
}

// clockHMS reads " 15:04:05" (or "T15:04:05") without the regexp.
func clockHMS(rest string) (h, m, s int, ok bool) {
	if len(rest) != 9 || rest[0] != ' ' && rest[0] != 'T' || rest[3] != ':' || rest[6] != ':' ||
		!isDigits(rest[1:3]) || !isDigits(rest[4:6]) || !isDigits(rest[7:9]) {
		return 0, 0, 0, false
	}
	return atoi(rest[1:3]), atoi(rest[4:6]), atoi(rest[7:9]), true
}

// parseClock reads " 15:04[:05[.999999999]][ ][Z|+08:00|+0800]" (or with "T").
func (st *stamp) parseClock(rest string) string {
	if h, mi, se, ok := clockHMS(rest); ok {
		if h > 23 || mi > 59 || se > 59 {
			return "time of day is out of range"
		}
		st.hasTime = true
		st.clock = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(se)*time.Second
		return ""
	}
	return st.parseClockRegexp(rest)
}

// parseClockRegexp is parseClock for every form (reTimeOfDay).
func (st *stamp) parseClockRegexp(rest string) string {
	g := reTimeOfDay.FindStringSubmatch(rest)
	if g == nil {
		return "has text after the date that is not a time of day"
	}
	h, mi, se := atoi(g[1]), atoi(g[2]), atoi(g[3])
	if h > 23 || mi > 59 || se > 59 {
		return "time of day is out of range"
	}
	ns := 0
	if g[4] != "" {
		ns = atoi(g[4]) * fracPowersTen[len(g[4])]
	}
	st.hasTime = true
	st.clock = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(se)*time.Second + time.Duration(ns)
	if z := g[5]; z == "Z" {
		st.zone = time.UTC
	} else if z != "" {
		z = strings.ReplaceAll(z, ":", "")
		oh, om := atoi(z[1:3]), atoi(z[3:5])
		if oh > 23 || om > 59 {
			return "time zone offset is out of range"
		}
		off := oh*3600 + om*60
		if z[0] == '-' {
			off = -off
		}
		st.zone = time.FixedZone("", off)
	}
	return ""
}

// parseExcelSerial reads an Excel 1900-system serial day number.
func parseExcelSerial(v string) (stamp, string) {
	if len(v) > 7 {
		return stamp{}, "is a number that is neither yyyymmdd nor an Excel day number"
	}
	n := atoi(v)
	switch {
	case n < 1 || n > maxExcelSerial:
		return stamp{}, "is outside the Excel day numbers 1-2958465"
	case n == excelLeapSerial:
		return stamp{}, "is Excel day 60, the nonexistent 1900-02-29"
	case n < excelLeapSerial:
		n++ // before Excel's phantom leap day the count is one day behind
	}
	return checkYear(stamp{date: excelEpoch.AddDate(0, 0, n)})
}

package normalize

import (
	"testing"
)

// parseStampRegexp is parseStamp before its fast paths (regular expressions
// only), the reference the fast paths are held to.
func parseStampRegexp(v string) (stamp, string) {
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
	if g := reDateSep.FindStringSubmatch(v); g != nil {
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
		if reason := st.parseClockRegexp(rest); reason != "" {
			return stamp{}, reason
		}
	}
	return checkYear(st)
}

func sameStamp(t *testing.T, v string) {
	t.Helper()
	got, gr := parseStamp(v)
	want, wr := parseStampRegexp(v)
	if gr != wr || got.hasTime != want.hasTime || got.clock != want.clock || !got.date.Equal(want.date) ||
		(got.zone == nil) != (want.zone == nil) {
		t.Fatalf("parseStamp(%q) = %+v %q, the regexps give %+v %q", v, got, gr, want, wr)
	}
}

func TestDateFastPathsMatchRegexps(t *testing.T) {
	for _, v := range []string{"2006-01-02", "2006/01/02", "2006.01.02", "2006-01/02", "2006-01-023", "2006-1-02",
		"2006-13-02", "2006-02-30", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 25:04:05",
		"2006-01-02 15:04:60", "2006-01-02 15:04", "2006-01-02 15:04:05Z", "2006-01-02x", "0999-01-02", "2006-01-02 "} {
		sameStamp(t, v)
	}
}

func FuzzDateFastPaths(f *testing.F) {
	for _, v := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006/1/2", "2006年1月2日", "2006-01-02T23:59:59+08:00"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Text(s)
		sameStamp(t, v)
	})
}

package normalize

import (
	"strconv"
	"strings"
	"time"
)

// TimeIn parses an instant with a source's explicit layouts only (Go
// reference layouts such as "01/02/2006 03:04:05 PM"; the first that
// matches wins, in order) and returns it in UTC. A layout without an offset
// is read in loc (the source's time zone; nil means Asia/Shanghai); one with
// an offset (Z07:00, -0700, MST) uses the written offset. Nothing else is
// tried: a source that configures layouts never has its values guessed
// (06/07/2018 is never read both as 6 July and as 7 June). s is trimmed and
// width-folded first (Text).
func TimeIn(s string, layouts []string, loc *time.Location) (time.Time, error) {
	v := Text(s)
	if loc == nil {
		loc = shanghai
	}
	if v == "" {
		return time.Time{}, newError(FieldDate, v, "is empty")
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			if t.Year() < 1000 || t.Year() > 9999 {
				return time.Time{}, newError(FieldDate, v, "year must be 1000-9999")
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, newError(FieldDate, v, "does not match the source's layouts "+quoteLayouts(layouts))
}

// DateIn parses a calendar date with a source's explicit layouts only (see
// TimeIn) and returns midnight UTC of the date as written (the time of day,
// if a layout has one, is dropped; no zone conversion).
func DateIn(s string, layouts []string) (time.Time, error) {
	t, err := TimeIn(s, layouts, time.UTC)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// CheckLayout rejects a Go time layout that cannot read back what it writes
// or that lacks a year, month or day, so a misspelt layout in a source's
// configuration fails at start-up instead of rejecting every record.
func CheckLayout(layout string) error {
	ref := time.Date(2006, 11, 22, 13, 4, 5, 0, time.UTC)
	t, err := time.Parse(layout, ref.Format(layout))
	if err != nil {
		return err
	}
	if t.Year() != 2006 || t.Month() != 11 || t.Day() != 22 {
		return newError(FieldDate, layout, "layout needs a year (2006), a month (01, 1, Jan) and a day (02, 2)")
	}
	return nil
}

func quoteLayouts(layouts []string) string {
	q := make([]string, len(layouts))
	for i, l := range layouts {
		q[i] = strconv.Quote(l)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

package record

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

var (
	typeString = reflect.TypeOf("")
	typeTime   = reflect.TypeOf(time.Time{})
	typeInt64  = reflect.TypeOf(int64(0))
	typeInt32  = reflect.TypeOf(int32(0))
	typeUint8  = reflect.TypeOf(uint8(0))
)

// GoType is the Go type of a Row value of the given kind: time.Time for
// datetime and month; string "2006-01-02" for date (ClickHouse 18.16's Date
// cannot hold dates before 1970); int64 for fen; int32 for int; uint8 for bool; string
// for every other kind.
func GoType(k schema.Kind) reflect.Type {
	switch k {
	case schema.KindDateTime, schema.KindMonth:
		return typeTime
	case schema.KindFen:
		return typeInt64
	case schema.KindInt:
		return typeInt32
	case schema.KindBool:
		return typeUint8
	}
	return typeString
}

// zero is the stored value of an absent field of kind k ("unknown").
func zero(k schema.Kind) any {
	switch GoType(k) {
	case typeTime:
		return minStoredTime
	case typeInt64:
		return int64(0)
	case typeInt32:
		return int32(0)
	case typeUint8:
		return uint8(0)
	}
	return ""
}

// value normalizes one non-blank raw value of field f. mapping is the
// source's code mapping for the field (department value → canonical value).
func value(f schema.Field, raw string, mapping map[string]string, now time.Time) (any, []string, error) {
	switch f.Kind {
	case schema.KindIDNumber:
		return normalize.IDNumberAt(raw, now)
	case schema.KindName:
		return noWarn(normalize.Name(raw))
	case schema.KindText:
		return normalize.Text(raw), nil, nil
	case schema.KindDate:
		t, err := normalize.Date(raw)
		if err != nil {
			return nil, nil, err
		}
		if v := normalize.Text(raw); isISODate(v) {
			return v, nil, nil // already "2006-01-02": what Format would write
		}
		return t.Format(time.DateOnly), nil, nil
	case schema.KindDateTime:
		t, err := normalize.DateTime(raw)
		if err != nil {
			return nil, nil, err
		}
		return dateTimeInRange(t.Truncate(time.Second))
	case schema.KindMonth:
		t, err := Month(raw)
		if err != nil {
			return nil, nil, err
		}
		return dateInRange(t)
	case schema.KindFen:
		return fen(f, raw)
	case schema.KindInt:
		return noWarn(Int(raw))
	case schema.KindBool:
		return noWarn(Bool(raw, mapping))
	case schema.KindCode:
		t := codeTable(f.CodeTable)
		if t == nil {
			return nil, nil, &Reject{Reason: "has unknown code table " + f.CodeTable}
		}
		return noWarn(t.Normalize(raw, mapping))
	case schema.KindEnum:
		return noWarn(Enum(raw, f.Values, mapping))
	case schema.KindDivision:
		return noWarn(normalize.DefaultDivisions().Division(raw))
	case schema.KindCreditCode:
		return noWarn(normalize.CreditCode(raw))
	case schema.KindPhone:
		return noWarn(normalize.Phone(raw))
	}
	return nil, nil, &Reject{Reason: "has unknown kind " + string(f.Kind)}
}

func noWarn[T any](v T, err error) (any, []string, error) {
	if err != nil {
		return nil, nil, err
	}
	return v, nil, nil
}

func dateInRange(t time.Time) (any, []string, error) {
	if t.Before(minStoredTime) || t.After(maxDate) {
		return nil, nil, &Reject{Reason: "is outside 1970-01-01..2105-12-31, which ClickHouse Date cannot hold"}
	}
	return t, nil, nil
}

func codeTable(name string) *normalize.CodeTable {
	switch name {
	case schema.CodeTableSex:
		return normalize.Sex()
	case schema.CodeTableEthnicity:
		return normalize.Ethnicity()
	case schema.CodeTableRelation:
		return normalize.RelationToHead()
	}
	return nil
}

var (
	reMonthSep = regexp.MustCompile(`^(\d{4}) ?[-/.年] ?(\d{1,2}) ?月?$`)
	reMonth6   = regexp.MustCompile(`^(\d{4})(\d{2})$`)
)

// Month parses a calendar month and returns midnight UTC of its first day.
// Accepted: "2026-10", "2026-1", "2026/10", "2026.10", "202610", "2026年10月"
// (full-width digits too), and any date normalize.Date accepts (its month is
// taken). Years 1000–9999.
func Month(s string) (time.Time, error) {
	v := normalize.Text(s)
	if v == "" {
		return time.Time{}, &Reject{Reason: "is empty"}
	}
	m := monthParts(v)
	if m == nil {
		m = reMonthSep.FindStringSubmatch(v)
	}
	if m == nil {
		m = reMonth6.FindStringSubmatch(v)
	}
	if m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if y < 1000 || mo < 1 || mo > 12 {
			return time.Time{}, &Reject{Reason: "is not a calendar month"}
		}
		return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), nil
	}
	if allDigits(v) && len(v) != 5 && len(v) != 8 {
		// 5 digits are Excel serial days (1927-2173); other lengths are typos.
		return time.Time{}, &Reject{Reason: "is not a month (want 2006-01, 200601, 2006年01月 or a date)"}
	}
	d, err := normalize.Date(v)
	if err != nil {
		return time.Time{}, &Reject{Reason: "is not a month (want 2006-01, 200601, 2006年01月 or a date)"}
	}
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), nil
}

// monthParts reads "2026-10", "2026/10", "2026.10" and "202610" without the
// regular expressions, in their submatch shape; nil for anything else.
func monthParts(v string) []string {
	switch {
	case len(v) == 7 && allDigits(v[:4]) && (v[4] == '-' || v[4] == '/' || v[4] == '.') && allDigits(v[5:]):
		return []string{v, v[:4], v[5:]}
	case len(v) == 6 && allDigits(v):
		return []string{v, v[:4], v[4:]}
	}
	return nil
}

// isISODate reports "dddd-dd-dd".
func isISODate(v string) bool {
	return len(v) == 10 && v[4] == '-' && v[7] == '-' && allDigits(v[:4]) && allDigits(v[5:7]) && allDigits(v[8:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Int parses a small signed decimal integer (int32) after normalize.Text
// (so full-width digits are accepted).
func Int(s string) (int32, error) {
	v := normalize.Text(s)
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, &Reject{Reason: "is out of the int32 range"}
		}
		return 0, &Reject{Reason: "is not an integer"}
	}
	return int32(n), nil
}

var boolWords = map[string]uint8{
	"1": 1, "0": 0, "true": 1, "false": 0, "t": 1, "f": 0, "y": 1, "n": 0, "yes": 1, "no": 0,
	"是": 1, "否": 0, "有": 1, "无": 0, "無": 0, "对": 1, "√": 1, "×": 0,
}

// Bool parses a yes/no value to 1 or 0: 1/0, true/false, t/f, Y/N, yes/no
// (any case), 是/否, 有/无. mapping (the source's code mapping for the field)
// is consulted first and must give one of those words.
func Bool(s string, mapping map[string]string) (uint8, error) {
	v := normalize.Text(s)
	if m, ok := lookup(mapping, s, v); ok {
		v = normalize.Text(m)
	}
	if b, ok := boolWords[strings.ToLower(v)]; ok {
		return b, nil
	}
	return 0, &Reject{Reason: "is not a yes/no value (want 1/0, true/false, Y/N, 是/否, 有/无)"}
}

// lookup finds a department value in a code mapping, as sent or cleaned.
func lookup(mapping map[string]string, raw, clean string) (string, bool) {
	if m, ok := mapping[clean]; ok {
		return m, true
	}
	m, ok := mapping[raw]
	return m, ok
}

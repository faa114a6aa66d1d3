package connectors

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/schema"
)

// How a Row's values become the strings of schema.Envelope.Fields, and how
// a department's "last changed" value is read: the runtime's mapping uses
// them, and kinds that build cursors from values use the same rules.

// Shanghai is China Standard Time (UTC+8, no daylight saving since 1991):
// the zone of department times written without an offset.
var Shanghai = schema.ChinaTime

// FormatValue renders a department value as the string carried in
// Envelope.Fields, and reports false for nil (omitted): strings as they are,
// []byte as text, numbers in plain decimal without exponent, booleans as
// true/false, times as RFC 3339 in UTC (fractional seconds only when
// present), maps and slices as compact JSON.
func FormatValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		if x == nil {
			return "", false
		}
		return string(x), true
	case json.Number:
		return plainNumber(string(x)), true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float32:
		return formatFloat(float64(x), 32), true
	case float64:
		return formatFloat(x, 64), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	case *time.Time:
		if x == nil {
			return "", false
		}
		return x.UTC().Format(time.RFC3339Nano), true
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x), true
		}
		return string(b), true
	case fmt.Stringer:
		return x.String(), true
	default:
		return fmt.Sprint(x), true
	}
}

func formatFloat(f float64, bits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// plainNumber rewrites a JSON number with an exponent ("1.5e3") in plain
// decimal ("1500") without losing digits; other text is returned unchanged.
func plainNumber(s string) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	f, ok := new(big.Float).SetPrec(512).SetString(s)
	if !ok {
		return s
	}
	return f.Text('f', -1)
}

// sourceTimeLayouts are tried in order; zone-less layouts are read in
// Shanghai time.
var sourceTimeLayouts = []struct {
	layout   string
	zoneless bool
}{
	{time.RFC3339Nano, false},
	{"2006-01-02 15:04:05.999999999Z07:00", false},
	{"2006-01-02 15:04:05.999999999Z07", false}, // PostgreSQL text: "+08"
	{"2006-01-02 15:04:05.999999999 -0700", false},
	{"2006-01-02 15:04:05.999999999 -0700 MST", false}, // Go's time.String
	{"2006-01-02T15:04:05.999999999", true},
	{"2006-01-02 15:04:05.999999999", true},
	{"2006-01-02 15:04", true},
	{"2006/01/02 15:04:05", true},
	{"2006/1/2 15:04:05", true},
	{"2006/1/2 15:04", true},
	{"20060102150405", true},
	{"2006-01-02", true},
	{"2006/01/02", true},
	{"2006/1/2", true},
	{"20060102", true},
}

// ParseSourceTime reads a department's "last changed" value leniently and
// returns it in UTC: RFC 3339; database text forms ("2006-01-02
// 15:04:05[.ffffff][+08]"); zone-less date-times and dates, read as Shanghai
// time (UTC+8); Unix seconds (10 digits) or milliseconds (13 digits).
func ParseSourceTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, ok := parseCommonTime(s); ok {
		return t, nil
	}
	return parseSourceTime(s)
}

// parseCommonTime reads the forms departments write most, "2006-01-02
// 15:04:05" and "2006-01-02" (Shanghai time), straight with the first layout
// of sourceTimeLayouts that accepts them; false for anything else.
func parseCommonTime(s string) (time.Time, bool) {
	layout := ""
	switch {
	case len(s) == 19 && s[10] == ' ' && s[13] == ':' && s[16] == ':' && isoDateAt(s) && digits(s[11:13]) && digits(s[14:16]) && digits(s[17:19]):
		layout = "2006-01-02 15:04:05"
	case len(s) == 10 && isoDateAt(s):
		layout = "2006-01-02"
	default:
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(layout, s, Shanghai)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// isoDateAt reports "dddd-dd-dd" at the start of s.
func isoDateAt(s string) bool {
	return len(s) >= 10 && s[4] == '-' && s[7] == '-' && digits(s[:4]) && digits(s[5:7]) && digits(s[8:10])
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// yearSeparatorFits reports whether layout (one of sourceTimeLayouts, all
// starting with the four-digit year "2006", which time.Parse reads as
// exactly four bytes) can read s as far as the byte after the year goes: the
// same separator ('-' or '/'), or a digit for the separator-less layouts.
// It spares the layouts that cannot match the cost of a failed time.Parse
// (an error allocated each): a department writing "2026/07/26 17:07" would
// otherwise fail eleven layouts on every record.
func yearSeparatorFits(layout, s string) bool {
	if len(s) <= 4 {
		return true // let time.Parse say why
	}
	if c := layout[4]; c < '0' || c > '9' {
		return s[4] == c
	}
	return s[4] >= '0' && s[4] <= '9'
}

// parseSourceTime is ParseSourceTime for every form: Unix seconds or
// milliseconds, then sourceTimeLayouts in order.
func parseSourceTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if digits(s) && (len(s) == 10 || len(s) == 13) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if len(s) == 13 {
				return time.UnixMilli(n).UTC(), nil
			}
			return time.Unix(n, 0).UTC(), nil
		}
	}
	for _, l := range sourceTimeLayouts {
		if !yearSeparatorFits(l.layout, s) {
			continue
		}
		var t time.Time
		var err error
		if l.zoneless {
			t, err = time.ParseInLocation(l.layout, s, Shanghai)
		} else {
			t, err = time.Parse(l.layout, s)
		}
		if err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse time %q (want RFC 3339, \"2006-01-02 15:04:05\" or a date)", s)
}

package runtime

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/normalize"
)

// undecodableColumns names every column of a formatted row whose name or
// value could not be decoded (normalize.Undecodable: invalid UTF-8, or the
// U+FFFD a lossy decoder left), sorted, as one dead-letter reason such as
// `column "姓名": contains U+FFFD (...)`; "" when all are text. A push body's
// invalid UTF-8 reaches here as U+FFFD (encoding/json replaces it), a GB18030
// file's unreadable bytes likewise: the record is rejected, never stored with
// a replacement character, and two keys that differ only in bad bytes never
// merge into one record.
//
// vals is the row as the connector read it (connectors.Row.Values); a value
// is checked as connectors.FormatValue formats it, except numbers, booleans
// and times, whose formatting is ASCII. Columns whose value is absent (nil)
// are skipped.
func undecodableColumns(vals map[string]any) string {
	var problems []string
	for col, raw := range vals {
		v, ok := textOf(raw)
		if !ok {
			continue
		}
		if why := normalize.Undecodable(col); why != "" {
			problems = append(problems, fmt.Sprintf("column name %q %s", strings.ToValidUTF8(col, "\uFFFD"), why))
			continue
		}
		if why := normalize.Undecodable(v); why != "" {
			problems = append(problems, fmt.Sprintf("column %q %s", col, why))
		}
	}
	sort.Strings(problems)
	return strings.Join(problems, "; ")
}

// textOf returns a value as connectors.FormatValue formats it, without
// formatting strings again; a number, boolean or time is returned as ""
// (true): its formatting is ASCII, so there is nothing to check. false for
// an absent value.
func textOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, time.Time:
		return "", true
	case *time.Time:
		return "", x != nil
	}
	return connectors.FormatValue(v)
}

package runtime

import (
	"fmt"
	"sort"
	"strings"

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
// is checked as connectors.FormatValue formats it (a string as it is).
// Columns whose value is absent (nil) are skipped.
func undecodableColumns(vals map[string]any) string {
	var problems []string
	for col, raw := range vals {
		v, ok := raw.(string)
		if !ok {
			if v, ok = connectors.FormatValue(raw); !ok {
				continue
			}
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

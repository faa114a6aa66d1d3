package runtime

import (
	"fmt"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/schema"
)

// MapRow turns one department row into an envelope for src: it formats every
// value as a string (connectors.FormatValue), builds the record key from src.Key (values
// trimmed, joined by "|"), renames src.Fields (canonical → department column)
// without normalizing the values, marks deletes by src.Op and reads the source
// time from src.SourceTime (connectors.ParseSourceTime; pulledAt when the column is
// absent or empty). It returns a reason instead of an envelope when a key
// column is empty, an object or an array, the source time cannot be
// parsed, or any column's name or value cannot be decoded (invalid UTF-8 or
// U+FFFD; every such column is named). Pure: no I/O.
func MapRow(src *config.Source, row connectors.Row, pulledAt time.Time) (schema.Envelope, string) {
	return mapRowInto(src, row, pulledAt, make(map[string]string, len(src.Fields)))
}

// mapRowInto is MapRow filling fields (empty) as the envelope's Fields, so
// a caller that is done with each envelope before the next (Publish) can
// reuse one map.
func mapRowInto(src *config.Source, row connectors.Row, pulledAt time.Time, fields map[string]string) (schema.Envelope, string) {
	if reason := undecodableColumns(row.Values); reason != "" {
		return schema.Envelope{}, reason
	}
	// A column's value as a string, formatted where it is read: most are
	// strings already, and a map of them per row cost more than the rest of
	// the mapping.
	value := func(col string) (string, bool) { return connectors.FormatValue(row.Values[col]) }
	var problems []string // all of them, so the department fixes a record in one go
	keyParts := make([]string, len(src.Key))
	for i, col := range src.Key {
		if kind := nestedKind(row.Values, col); kind != "" {
			problems = append(problems, fmt.Sprintf("key column %q is %s; it must be a string or a number", col, kind))
			continue
		}
		v, _ := value(col)
		v = strings.TrimSpace(v)
		if v == "" {
			problems = append(problems, fmt.Sprintf("key column %q is empty", col))
			continue
		}
		keyParts[i] = v
	}
	env := schema.Envelope{
		Source:     src.Name,
		Dataset:    src.Dataset,
		RecordKey:  strings.Join(keyParts, "|"),
		Op:         schema.OpUpsert,
		SourceTime: pulledAt.UTC(),
		PulledAt:   pulledAt.UTC(),
		Fields:     fields,
		Origin:     row.Origin,
	}
	for canonical, col := range src.Fields {
		if v, ok := value(col); ok {
			env.Fields[canonical] = v
		}
	}
	if src.Op.Column != "" {
		v, _ := value(src.Op.Column)
		v = strings.TrimSpace(v)
		for _, d := range src.Op.DeleteValues {
			if v != "" && strings.EqualFold(v, strings.TrimSpace(d)) {
				env.Op = schema.OpDelete
				break
			}
		}
	}
	if src.SourceTime != "" {
		v, _ := value(src.SourceTime)
		if v = strings.TrimSpace(v); v != "" {
			t, err := sourceTime(src, v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("source_time column %q: %v", src.SourceTime, err))
			}
			env.SourceTime = t
		}
	}
	if len(problems) > 0 {
		return schema.Envelope{}, strings.Join(problems, "; ")
	}
	return env, ""
}

// nestedKind reports whether column col of a row holds an object or an array
// rather than a plain value: "a JSON object" (also when Flatten spread it
// into "col.*" columns), "a JSON array", or "" for anything else.
func nestedKind(vals map[string]any, col string) string {
	v, ok := vals[col]
	if !ok {
		prefix := col + "."
		for name := range vals {
			if strings.HasPrefix(name, prefix) {
				return "a JSON object"
			}
		}
		return ""
	}
	switch v.(type) {
	case map[string]any:
		return "a JSON object"
	case []any:
		return "a JSON array"
	}
	return ""
}

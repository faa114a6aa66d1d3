package record

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// KeySeparator joins the parts of a record key (one per config.Source.Key
// column), as the connectors do.
const KeySeparator = "|"

// CanonicalKey returns the record key under which a record of source src is
// stored: the envelope's record key (src.Key columns' raw values joined by
// "|") with every part whose column is mapped to a canonical field
// (src.Fields) replaced by that part normalized as the field — ID numbers in
// their 18-character form with an upper-case X (15-digit ones converted),
// text and names width-folded and trimmed, dates "2006-01-02", months
// "2006-01", instants RFC 3339 UTC ("2006-01-02T15:04:05Z"), credit codes,
// codes and enums normalized (src.CodeMappings applied), money in fen and
// integers in decimal, yes/no as "1"/"0". Parts of unmapped columns stay as
// sent. So "11010519450303102x", "11010519450303102X" and the 15-digit
// "110105450303102" of one person are one record key.
//
// now is "today" for the identity-number check (the Kafka message time, so a
// replay gives the same key). When a column is mapped to several fields, the
// first of them in the dataset's field order is used.
//
// The raw key is kept, with a non-empty warning, when it cannot be split
// safely: its number of "|"-separated parts differs from len(src.Key) (a
// value holding "|"), or a normalized part would hold "|" (a full-width
// "｜" folded), which could make two records' keys equal. With no key
// column mapped (or src.Key empty) the raw key is returned as is, without
// warning. A mapped part that cannot be normalized is a *Reject naming the
// field (its reason starts "record key part N: "); the record is rejected.
// Pure; never panics.
func CanonicalKey(env *schema.Envelope, src *config.Source, now time.Time) (key, warning string, err error) {
	return canonicalKey(env, src, now, nil)
}

// canonicalKey is CanonicalKey; known (optional) gives the normalized value
// of dataset field i for the raw value part, when the caller has it.
func canonicalKey(env *schema.Envelope, src *config.Source, now time.Time, known func(i int, part string) (any, bool)) (key, warning string, err error) {
	if env == nil || src == nil {
		return "", "", &Reject{Field: "envelope", Reason: "is missing"}
	}
	raw := env.RecordKey
	ds, ok := schema.Datasets[src.Dataset]
	if !ok || len(src.Key) == 0 {
		return raw, "", nil
	}
	fields := make([]*schema.Field, len(src.Key))
	fieldPos := make([]int, len(src.Key))
	mapped := false
	for i, col := range src.Key {
		for j := range ds.Fields {
			if c, ok := src.Fields[ds.Fields[j].Name]; ok && c == col {
				fields[i], fieldPos[i] = &ds.Fields[j], j
				mapped = true
				break
			}
		}
	}
	if !mapped {
		return raw, "", nil
	}
	parts := strings.Split(raw, KeySeparator)
	if len(parts) != len(src.Key) {
		return raw, fmt.Sprintf("record key has %d parts separated by %q, but the source has %d key columns; kept as sent", len(parts), KeySeparator, len(src.Key)), nil
	}
	for i, f := range fields {
		if f == nil || normalize.Text(parts[i]) == "" {
			continue
		}
		v, ok := any(nil), false
		if known != nil {
			v, ok = known(fieldPos[i], parts[i])
		}
		if !ok {
			v, _, err = value(*f, parts[i], src.CodeMappings[f.Name], now)
		}
		if err != nil {
			r := reject(f.Name, err)
			r.Reason = "record key part " + strconv.Itoa(i+1) + ": " + r.Reason
			return "", "", r
		}
		s := keyString(f.Kind, v)
		if strings.Contains(s, KeySeparator) {
			return raw, fmt.Sprintf("record key part %d (%s) holds %q once normalized; kept as sent", i+1, f.Name, KeySeparator), nil
		}
		parts[i] = s
	}
	return strings.Join(parts, KeySeparator), "", nil
}

// keyString formats a normalized value of kind k (see GoType) as a record
// key part: months "2006-01", instants RFC 3339 UTC, numbers in decimal.
func keyString(k schema.Kind, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		if k == schema.KindMonth {
			return v.UTC().Format("2006-01")
		}
		return v.UTC().Format(time.RFC3339)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case uint8:
		return strconv.Itoa(int(v))
	}
	return fmt.Sprint(v)
}

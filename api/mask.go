package api

import (
	"strings"
	"unicode/utf8"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// masker hides sensitive values (schema.Field.Sensitive) from callers who
// may not see them in full: role counter. Caseworker and admin see full
// values. Masks keep enough to recognise the value at the counter:
//
//	id_number  110105********002X   (normalize.MaskID)
//	name       张**                  (normalize.MaskName)
//	phone      138****5678          (first 3 and last 4 digits)
//	address    北京市朝阳区****        (first 6 characters, at most half)
//	birth date null                  (it is the hidden middle of the ID number)
type masker struct{ on bool }

// maskerFor returns the masker of a caller's role.
func maskerFor(c *access.Caller) masker {
	return masker{on: c == nil || c.Role == access.RoleCounter}
}

// field masks value when dataset.field is sensitive and masking is on; other
// values pass unchanged.
func (m masker) field(dataset, field, value string) string {
	if !m.on || value == "" {
		return value
	}
	ds, ok := schema.Datasets[dataset]
	if !ok {
		return value
	}
	f, ok := ds.Field(field)
	if !ok {
		return value
	}
	return m.fieldValue(f, value)
}

// fieldValue masks value when field f is sensitive and masking is on.
func (m masker) fieldValue(f schema.Field, value string) string {
	if !m.on || value == "" || !f.Sensitive {
		return value
	}
	return maskKind(f.Kind, value)
}

// record masks a record for the counter role: sensitive fields by their
// kind, fields hidden from the counter (birth_date: the part of the ID
// number the mask hides; decisions carry the ages they used) set to
// unknown, and ID numbers inside the evidence's record key. Other roles get
// the record as it is.
func (m masker) record(r facts.Record) facts.Record {
	if !m.on {
		return r
	}
	c := r.Clone()
	for i, f := range c.Def.Fields {
		if hiddenFromCounter[f.Name] {
			c.Values[i] = facts.Zero(f.Kind)
		} else if s, isText := c.Values[i].(string); isText {
			c.Values[i] = m.fieldValue(f, s)
		}
	}
	c.Evidence.RecordKey = m.text(c.Evidence.RecordKey)
	return c
}

// id masks an ID number.
func (m masker) id(v string) string {
	if !m.on || v == "" {
		return v
	}
	return normalize.MaskID(v)
}

// text masks every ID number inside free text, such as record keys built
// from a department's raw values: 18-character, 15-digit and full-width
// numbers alike (normalize.MaskIDsIn).
func (m masker) text(v string) string {
	if !m.on {
		return v
	}
	return normalize.MaskIDsIn(v)
}

// maskKind masks a value by its field kind.
func maskKind(k schema.Kind, v string) string {
	switch k {
	case schema.KindIDNumber:
		return normalize.MaskID(v)
	case schema.KindName:
		return normalize.MaskName(v)
	case schema.KindPhone:
		return maskPhone(v)
	default:
		return maskAddress(v)
	}
}

// maskPhone keeps the first 3 and last 4 digits of a number of 9 or more
// characters (138****5678, 010****3456) and the last 2 of shorter ones.
func maskPhone(v string) string {
	r := []rune(v)
	if len(r) >= 9 {
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return "****" + string(r[len(r)-2:])
}

// maskAddress keeps the first 6 characters, and at most half of the text
// (usually the city and district), and hides the rest behind a fixed "****"
// that does not reveal its length.
func maskAddress(v string) string {
	n := utf8.RuneCountInString(v)
	keep := min(6, n/2)
	return string([]rune(v)[:keep]) + "****"
}

// sensitiveNames maps every sensitive field name in any dataset to its kind,
// to mask program outcomes (Decision.Amounts) keyed by field name.
var sensitiveNames = func() map[string]schema.Kind {
	out := map[string]schema.Kind{}
	for _, ds := range schema.Datasets {
		for _, f := range ds.Fields {
			if f.Sensitive {
				out[f.Name] = f.Kind
			}
		}
	}
	return out
}()

// values masks the string values of a map whose keys are sensitive field
// names, and ID numbers inside any other string, recursively.
func (m masker) values(in map[string]any) map[string]any {
	if !m.on || in == nil {
		return in
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = m.value(k, v)
	}
	return out
}

// hiddenFromCounter are values the counter role never sees in a decision:
// a birth date is the middle of the ID number the mask hides (the decision
// shows the age it used).
var hiddenFromCounter = map[string]bool{"birth_date": true}

func (m masker) value(key string, v any) any {
	if hiddenFromCounter[key] {
		return nil
	}
	switch x := v.(type) {
	case string:
		if k, ok := sensitiveNames[key]; ok && x != "" {
			return maskKind(k, x)
		}
		return m.text(x)
	case map[string]any:
		return m.values(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.value(key, e)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i], _ = m.value(key, e).(string)
		}
		return out
	}
	return v
}

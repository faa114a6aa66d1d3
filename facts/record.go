// Package facts is the resident profile's data model, derived at run time
// from the canonical datasets in schema: a Record is one stored version of a
// dataset row, its field values typed by their schema.Kind, with the
// evidence of where it came from; a Member is one person's current records.
//
// The profile reader (package profile) fills these, the rules engine
// (package eligibility) reads them and the API (package api) shows them, so
// a new field of a profile dataset is one line in schema.Datasets plus a
// ClickHouse migration: nothing here lists fields. Pure: no I/O.
package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/residenthub/residenthub/schema"
)

// Evidence names where one fact came from: the dataset (table), the
// department source, the source's record key, when the source changed the
// record (SourceTime) and when the hub stored it (IngestTime). Both UTC.
// SourceName is the department's display name (config
// sources[].display_name), filled in by the API.
type Evidence struct {
	Dataset    string    `json:"dataset" yaml:"dataset"`
	Source     string    `json:"source" yaml:"source"`
	SourceName string    `json:"source_name,omitempty" yaml:"-"`
	RecordKey  string    `json:"record_key" yaml:"record_key"`
	SourceTime time.Time `json:"source_time" yaml:"source_time"`
	IngestTime time.Time `json:"ingest_time" yaml:"ingest_time"`
}

// Def is a profile dataset as the model uses it: its schema definition, the
// key its records are listed under (schema.ProfileDataset) and the index of
// each field.
type Def struct {
	schema.Dataset
	Key   string
	index map[string]int
}

// Index returns the position of the named field in Fields (and Values).
func (d *Def) Index(field string) (int, bool) {
	i, ok := d.index[field]
	return i, ok
}

var (
	defs      []*Def
	defByName = map[string]*Def{}
	defByKey  = map[string]*Def{}
)

// NewDef returns the Def of a dataset listed under key. Defs are built
// with it from schema.ProfileDatasets; tests build others (a dataset with a
// field more) to check that everything follows the schema.
func NewDef(ds schema.Dataset, key string) *Def {
	d := &Def{Dataset: ds, Key: key, index: make(map[string]int, len(ds.Fields))}
	for i, f := range ds.Fields {
		d.index[f.Name] = i
	}
	return d
}

func init() {
	for _, p := range schema.ProfileDatasets {
		ds, ok := schema.Datasets[p.Name]
		if !ok {
			panic("schema.ProfileDatasets names unknown dataset " + p.Name)
		}
		d := NewDef(ds, p.Key)
		defs = append(defs, d)
		defByName[d.Name] = d
		defByKey[d.Key] = d
	}
}

// Defs returns the profile datasets in read order (schema.ProfileDatasets);
// the first is person. The slice must not be changed.
func Defs() []*Def { return defs }

// DefOf returns the profile dataset of the name.
func DefOf(dataset string) (*Def, bool) {
	d, ok := defByName[dataset]
	return d, ok
}

// Person is the person dataset (household registration).
func Person() *Def { return defByName[DatasetPerson] }

// DatasetPerson is the dataset whose current record says who a person is.
const DatasetPerson = "person"

// Record is one version of a dataset row: Values holds one value per field
// of Def.Fields, typed by the field's kind (see Zero), and Evidence says
// where it came from. Values missing from storage are the kind's zero.
type Record struct {
	Def      *Def
	Values   []any
	Evidence Evidence
}

// NewRecord returns a record of def with every field at its zero value and
// the evidence's dataset set.
func NewRecord(def *Def) Record {
	vals := make([]any, len(def.Fields))
	for i, f := range def.Fields {
		vals[i] = Zero(f.Kind)
	}
	return Record{Def: def, Values: vals, Evidence: Evidence{Dataset: def.Name}}
}

// Zero returns the zero value of a field kind, which is also its Go type:
// string for text kinds (id_number, name, text, code, enum, division,
// credit_code, phone), int64 for fen and int, bool for bool, Date for date
// and month (zero = unknown), time.Time in UTC for datetime (zero = unknown).
func Zero(k schema.Kind) any {
	switch k {
	case schema.KindFen, schema.KindInt:
		return int64(0)
	case schema.KindBool:
		return false
	case schema.KindDate, schema.KindMonth:
		return Date{}
	case schema.KindDateTime:
		return time.Time{}
	}
	return ""
}

// ofKind reports whether v has the Go type of kind k's values (Zero).
func ofKind(v any, k schema.Kind) bool {
	switch Zero(k).(type) {
	case int64:
		_, ok := v.(int64)
		return ok
	case bool:
		_, ok := v.(bool)
		return ok
	case Date:
		_, ok := v.(Date)
		return ok
	case time.Time:
		_, ok := v.(time.Time)
		return ok
	}
	_, ok := v.(string)
	return ok
}

// Get returns the named field's value, nil when the dataset has no such field.
func (r Record) Get(field string) any {
	if i, ok := r.Def.index[field]; ok && i < len(r.Values) {
		return r.Values[i]
	}
	return nil
}

// Str returns a text field's value ("" when absent or not text).
func (r Record) Str(field string) string {
	s, _ := r.Get(field).(string)
	return s
}

// Int returns a fen or int field's value (0 when absent).
func (r Record) Int(field string) int64 {
	n, _ := r.Get(field).(int64)
	return n
}

// Bool returns a bool field's value (false when absent).
func (r Record) Bool(field string) bool {
	b, _ := r.Get(field).(bool)
	return b
}

// Date returns a date or month field's value (zero when absent or unknown).
func (r Record) Date(field string) Date {
	d, _ := r.Get(field).(Date)
	return d
}

// Time returns a datetime field's value (zero when absent or unknown).
func (r Record) Time(field string) time.Time {
	t, _ := r.Get(field).(time.Time)
	return t
}

// Set replaces the named field's value; v must have the field kind's type
// (see Zero).
func (r *Record) Set(field string, v any) error {
	i, ok := r.Def.index[field]
	if !ok {
		return fmt.Errorf("cannot set %s.%s: no such field", r.Def.Name, field)
	}
	if !ofKind(v, r.Def.Fields[i].Kind) {
		return fmt.Errorf("cannot set %s.%s: %T is not a %s value", r.Def.Name, field, v, r.Def.Fields[i].Kind)
	}
	r.Values[i] = v
	return nil
}

// Clone returns a copy whose Values can be changed without changing r's.
func (r Record) Clone() Record {
	r.Values = append([]any(nil), r.Values...)
	return r
}

// MarshalJSON writes {"<field>": value, ..., "evidence": {...}} in schema
// order: text as strings, fen and int as numbers, bool as true/false, dates
// as "2006-01-02" and instants as RFC 3339 UTC (both null when unknown).
func (r Record) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range r.Def.Fields {
		var v any = Zero(f.Kind)
		if i < len(r.Values) {
			v = r.Values[i]
		}
		if t, ok := v.(time.Time); ok && t.IsZero() {
			v = nil // an unknown instant is null, never year 1
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("cannot encode %s.%s: %w", r.Def.Name, f.Name, err)
		}
		buf.WriteString(`"` + f.Name + `":`)
		buf.Write(b)
		buf.WriteByte(',')
	}
	b, err := json.Marshal(r.Evidence)
	if err != nil {
		return nil, err
	}
	buf.WriteString(`"evidence":`)
	buf.Write(b)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Package record turns one Kafka envelope of a source into one typed row of
// its canonical dataset, using the normalizers of normalize by field
// kind. It is pure: no I/O, no clock reads (the caller passes the message
// time), safe for concurrent use, and it never panics on any input.
//
// A value that cannot be normalized rejects the whole record (Reject names the
// field and the reason), whether the field is required or optional, so data is
// never silently altered; the only exception are the warnings of the identity
// number normalizer (a converted 15-digit number), which are returned for
// logging. Cross-checks (crosscheck.go) reject a record whose birth date or
// sex contradicts its ID number, whose ID number's address code is in no
// edition of GB/T 2260, with a negative amount in a field that cannot be
// negative, or with undecodable text (invalid UTF-8, U+FFFD) in its key or
// fields.
//
// The record key is made canonical (CanonicalKey): key parts of columns
// mapped to a field are normalized as that field, so one department record
// spelled two ways is one record.
package record

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// Row is one normalized record, ready for its dataset's ClickHouse table.
//
// Values has one entry per schema.Dataset.Fields entry, in that order, typed
// by the field's kind (see GoType): string (calendar dates as ISO
// "2006-01-02", any year), time.Time (UTC; midnight of the first day for a
// month, whole seconds for a datetime), int64 (fen), int32 (int) or uint8
// (bool). Absent optional fields hold the zero value of the column: "" (also
// an unknown calendar date), 0, or the epoch 1970-01-01T00:00:00Z for an
// unknown month or instant.
type Row struct {
	Dataset string
	Values  []any
	Source  string
	// RecordKey is the canonical record key (CanonicalKey): the key the
	// record is stored, deleted and looked up under.
	RecordKey string
	// RawKey is the envelope's record key as the source sent it (the Kafka
	// message key); bookkeeping that operators match against dead letters
	// (the loads table) uses it.
	RawKey string
	// KeyWarning is set when the raw key had to be kept because it cannot
	// be split into the source's key columns (CanonicalKey); "" otherwise.
	KeyWarning string
	Deleted    bool
	SourceTime time.Time // UTC, whole seconds
	IngestTime time.Time // UTC, whole seconds: the Kafka message time
}

// Tombstone returns a delete row of dataset ds for the source record
// (source, recordKey) filed under the subject (id_number) subject: every
// other field holds its zero value (see Row). The loader writes one under
// every id_number a record was stored under when it is deleted or moves to
// another person, so a by-person read sees the record gone.
func Tombstone(ds schema.Dataset, source, recordKey, subject string, sourceTime, ingest time.Time) Row {
	row := Row{Dataset: ds.Name, Source: source, RecordKey: recordKey, Deleted: true,
		SourceTime: sourceTime.UTC(), IngestTime: ingest.UTC(), Values: make([]any, len(ds.Fields))}
	for i, f := range ds.Fields {
		row.Values[i] = zero(f.Kind)
	}
	if i := ds.SubjectIndex(); i >= 0 {
		row.Values[i] = subject
	}
	return row
}

// Reject says why a record cannot be loaded: the canonical field (or
// "source", "dataset", "source_time", "fields" for envelope-level problems)
// and a short English reason. It never contains the field's value.
type Reject struct {
	Field  string
	Reason string
}

// Error formats the rejection as "cannot load <field>: <reason>".
func (r *Reject) Error() string { return "cannot load " + r.Field + ": " + r.Reason }

// Clickhouse Date and DateTime hold 1970-01-01 .. 2105-12-31 and 1970-01-01
// 00:00:00 .. 2106-02-07 06:28:15 UTC; values outside would be clamped by the
// server, so they are rejected instead.
var (
	minStoredTime = time.Unix(0, 0).UTC()
	maxDate       = time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC)
	maxDateTime   = time.Unix(1<<32-1, 0).UTC()
)

// Normalize maps an envelope of source src to a row of src.Dataset.
// ingest is the Kafka message time: it becomes Row.IngestTime (whole seconds,
// UTC), is "now" for identity-number checks (so a replay gives the same row),
// and is the source time of a record whose envelope has neither source_time
// nor pulled_at. src.CodeMappings are applied to code, enum and bool fields.
//
// Upserts must carry every required field; every present field must
// normalize. Deletes need only the record key; an id_number, when present,
// must be valid (other fields are ignored and stored as zero values).
// Unknown field names are rejected (they mean a broken connector mapping).
// Row.RecordKey is the canonical key (CanonicalKey: key parts of mapped
// columns normalized as their fields), Row.RawKey the key as sent.
// The returned warnings come from the identity-number normalizer (masked).
func Normalize(env *schema.Envelope, src *config.Source, ingest time.Time) (Row, []string, error) {
	if env == nil || src == nil {
		return Row{}, nil, &Reject{Field: "envelope", Reason: "is missing"}
	}
	if err := env.Validate(); err != nil {
		return Row{}, nil, &Reject{Field: "envelope", Reason: err.Error()}
	}
	if r := undecodable(env); r != nil {
		return Row{}, nil, r
	}
	if env.Source != src.Name {
		return Row{}, nil, &Reject{Field: "source", Reason: fmt.Sprintf("envelope names source %q on the topic of source %q", env.Source, src.Name)}
	}
	if env.Dataset != src.Dataset {
		return Row{}, nil, &Reject{Field: "dataset", Reason: fmt.Sprintf("envelope names dataset %q but source %s feeds %q", env.Dataset, src.Name, src.Dataset)}
	}
	ds := schema.Datasets[env.Dataset]
	ingest = ingest.UTC().Truncate(time.Second)
	row := Row{Dataset: ds.Name, Source: src.Name, IngestTime: ingest, Deleted: env.Op == schema.OpDelete}

	st := env.SourceTime
	if st.IsZero() {
		st = env.PulledAt
	}
	if st.IsZero() {
		st = ingest
	}
	st = st.UTC().Truncate(time.Second)
	if st.Before(minStoredTime) || st.After(maxDateTime) {
		return Row{}, nil, &Reject{Field: "source_time", Reason: "is outside 1970-01-01..2106-02-07 UTC"}
	}
	row.SourceTime = st

	index := fieldIndex[ds.Name]
	for name := range env.Fields {
		if _, ok := index[name]; !ok {
			return Row{}, nil, &Reject{Field: "fields", Reason: fmt.Sprintf("%q is not a field of dataset %s", truncate(name, 64), ds.Name)}
		}
	}

	var warnings []string
	var rejects []*Reject // every field's, so a department fixes a record in one go
	row.Values = make([]any, len(ds.Fields))
	// For the first fieldsOnStack fields (every dataset has fewer):
	var normalized [fieldsOnStack]bool // row.Values[i] came from value(f, env.Fields[f.Name])
	var own [fieldsOnStack]string      // env.Fields[ds.Fields[i].Name], in an allocation of the row's own
	var owned [fieldsOnStack]bool      // and whether it is there
	k := min(fieldsOnStack, len(ds.Fields))
	ownKey := ownText(env, ds, own[:k], owned[:k])
	row.RawKey = ownKey
	for i, f := range ds.Fields {
		var raw string
		var present bool
		if i < k {
			raw, present = own[i], owned[i]
		} else {
			raw, present = env.Fields[f.Name]
		}
		if present && normalize.Text(raw) == "" {
			present = false
		}
		if row.Deleted && f.Kind != schema.KindIDNumber {
			present = false
		}
		if !present {
			if f.Required && !row.Deleted {
				rejects = append(rejects, &Reject{Field: f.Name, Reason: "is required"})
				continue
			}
			row.Values[i] = zero(f.Kind)
			continue
		}
		v, warns, err := valueFor(src, f, raw, ingest)
		if err != nil {
			rejects = append(rejects, reject(f.Name, err))
			continue
		}
		warnings = append(warnings, warns...)
		row.Values[i] = v
		if i < k && !hasTimeLayouts(src, f) {
			normalized[i] = true // CanonicalKey reads key parts with value, without layouts
		}
	}
	if r := joinRejects(rejects); r != nil {
		return Row{}, nil, r
	}
	if err := birthDateMatchesID(ds, row.Values); err != nil {
		return Row{}, nil, err
	}
	if err := sexMatchesID(ds, row.Values); err != nil {
		return Row{}, nil, err
	}
	if err := addressCodeKnown(ds, row.Values, row.Deleted); err != nil {
		return Row{}, nil, err
	}
	// A key part equal to a field's raw value normalizes to that field's
	// value (value is pure): reuse it.
	known := func(i int, part string) (any, bool) {
		if i < k && normalized[i] && own[i] == part {
			return row.Values[i], true
		}
		return nil, false
	}
	key, keyWarning, err := canonicalKey(env, src, ingest, known)
	if err != nil {
		return Row{}, nil, err
	}
	if key == env.RecordKey {
		key = ownKey
	}
	row.RecordKey, row.KeyWarning = key, keyWarning
	if row.Deleted && keyWarning == "" {
		subjectFromKey(ds, src, &row)
	}
	return row, warnings, nil
}

// fieldsOnStack is how many of a dataset's fields Normalize keeps its
// per-field state for in arrays on the stack; later fields (none today) are
// read from the envelope and never reuse a key part.
const fieldsOnStack = 32

// ownText copies the envelope's record key and the values of ds's fields
// into one allocation, so a row made of them does not keep the envelope
// alive: vals[i] and present[i] are field i's value and presence (the first
// len(vals) fields, at most fieldsOnStack). Decoded strings share the text of the
// whole message (schema.UnmarshalEnvelope), about three times their bytes,
// and a row lives until its batch is committed: with the pipelines' 120,000
// messages in flight the envelopes were a sixth of the hub's live heap.
// Copying the inputs, not the row, keeps each value boxed once.
func ownText(env *schema.Envelope, ds schema.Dataset, vals []string, present []bool) (recordKey string) {
	n := len(env.RecordKey)
	for i := range vals {
		vals[i], present[i] = env.Fields[ds.Fields[i].Name]
		n += len(vals[i])
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(env.RecordKey)
	for _, v := range vals {
		b.WriteString(v)
	}
	all := b.String()
	from := len(env.RecordKey)
	for i, v := range vals {
		vals[i], from = all[from:from+len(v)], from+len(v)
	}
	return all[:len(env.RecordKey)]
}

// subjectFromKey gives a delete that carries no subject (id_number) the one
// in its canonical record key, when the source's key holds the subject's
// column: such a record is stored under that id_number and no other, so its
// tombstone goes there (record_owner keeps no rows for it: migration 0130).
func subjectFromKey(ds schema.Dataset, src *config.Source, row *Row) {
	pos, ok := KeyPartOfSubject(ds, src)
	subj := ds.SubjectIndex()
	if !ok || subj < 0 {
		return
	}
	if id, _ := row.Values[subj].(string); id != "" {
		return
	}
	parts := strings.Split(row.RecordKey, KeySeparator)
	if len(parts) == len(src.Key) && normalize.Text(parts[pos]) != "" {
		row.Values[subj] = parts[pos]
	}
}

// KeyPartOfSubject returns the position in src.Key of the column mapped to
// ds's subject field (id_number), and whether there is one: a record of
// such a source keeps its owner, the id_number in its key.
func KeyPartOfSubject(ds schema.Dataset, src *config.Source) (int, bool) {
	col, mapped := src.Fields[ds.SubjectField]
	pos := slices.Index(src.Key, col)
	return pos, mapped && pos >= 0
}

// hasTimeLayouts reports a date or datetime field the source reads with its
// own layouts (valueFor then differs from value).
func hasTimeLayouts(src *config.Source, f schema.Field) bool {
	if f.Kind != schema.KindDate && f.Kind != schema.KindDateTime {
		return false
	}
	layouts, _ := src.TimeLayouts(f.Name)
	return len(layouts) > 0
}

// birthDateMatchesID rejects a record whose birth_date differs from the one
// its id_number encodes (GB 11643-1999: digits 7–14 are the birth date): the
// number is the authority, and a record that contradicts it belongs to
// someone else or was keyed in wrong. Records without either pass.
func birthDateMatchesID(ds schema.Dataset, values []any) error {
	var id, birth string
	for i, f := range ds.Fields {
		switch f.Name {
		case "id_number":
			id, _ = values[i].(string)
		case "birth_date":
			birth, _ = values[i].(string)
		}
	}
	if id == "" || birth == "" {
		return nil
	}
	encoded, ok := normalize.BirthDateFromID(id)
	var buf [16]byte
	if !ok || string(encoded.AppendFormat(buf[:0], time.DateOnly)) == birth {
		return nil
	}
	return &Reject{Field: "birth_date", Reason: "does not match the birth date in the ID number"}
}

// fieldIndex is every dataset's field positions by name.
var fieldIndex = func() map[string]map[string]int {
	out := map[string]map[string]int{}
	for name, ds := range schema.Datasets {
		out[name] = map[string]int{}
		for i, f := range ds.Fields {
			out[name][f.Name] = i
		}
	}
	return out
}()

// reject turns a normalizer error into a Reject for field, keeping only the
// reason (values stay out of rejection records).
func reject(field string, err error) *Reject {
	var ne *normalize.Error
	if errors.As(err, &ne) {
		return &Reject{Field: field, Reason: ne.Reason}
	}
	var re *Reject
	if errors.As(err, &re) {
		return &Reject{Field: field, Reason: re.Reason}
	}
	return &Reject{Field: field, Reason: err.Error()}
}

// truncate cuts s to n bytes at a rune boundary.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

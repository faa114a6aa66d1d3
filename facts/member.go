package facts

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/schema"
	"gopkg.in/yaml.v3"
)

// Member is one person's current facts, as of the date read: the current
// person record and the current records of the other profile datasets.
type Member struct {
	IDNumber string
	// Person is the current person record; when several sources hold one,
	// the one with the latest source_time. nil: no current person record.
	Person *Record
	// Records are the current records of the profile datasets other than
	// person, by dataset name, each sorted by source and record key.
	Records map[string][]Record
	// IdentityConflicts lists the identity fields (name, birth date) on
	// which the sources' current person records disagree, sorted by Field.
	IdentityConflicts []IdentityConflict
}

// Of returns the member's current records of a dataset (nil when none).
func (m *Member) Of(dataset string) []Record { return m.Records[dataset] }

// Add appends a record to the member's records of its dataset (a person
// record becomes Person).
func (m *Member) Add(r Record) {
	if r.Def.Name == DatasetPerson {
		m.Person = &r
		return
	}
	if m.Records == nil {
		m.Records = map[string][]Record{}
	}
	m.Records[r.Def.Name] = append(m.Records[r.Def.Name], r)
}

// DatasetStatus is how current a whole dataset is, as of a date.
type DatasetStatus struct {
	// Rows of the dataset with source_time <= the date; 0 = not loaded.
	Rows int64 `json:"rows" yaml:"rows"`
	// LatestSourceTime / LatestIngestTime: latest source_time and ingest_time
	// (both <= the date) of the dataset's rows, UTC. The dataset's age is
	// measured from the later of the two.
	LatestSourceTime time.Time `json:"latest_source_time" yaml:"latest_source_time"`
	LatestIngestTime time.Time `json:"latest_ingest_time" yaml:"latest_ingest_time"`
}

// Identity fields whose disagreement between sources is an identity
// conflict (the pipelines' identity_conflict table compares the same).
const (
	ConflictName      = "name"
	ConflictBirthDate = "birth_date"
)

// IdentityConflict is one identity field on which the current person
// records of two or more sources for one ID number disagree: a different
// person may have been registered under this ID number (a typo, or a false
// identity), so neither value can be trusted until a caseworker resolves it.
type IdentityConflict struct {
	Field   string   `yaml:"field"`   // ConflictName or ConflictBirthDate
	Sources []string `yaml:"sources"` // the sources holding differing values, sorted
	// Values maps each source with a known value (non-empty name, known
	// birth date "2006-01-02") to it. SENSITIVE (names and birth dates of
	// possibly two persons): mask them by role; the rules never see them.
	Values map[string]string `yaml:"-"`
}

// Make builds a record of the named profile dataset from field values by
// name: the kinds' Go types (see Zero), or an int for fen and int fields
// and a time.Time for date and month fields. For tests and fixtures.
func Make(dataset string, values map[string]any) (Record, error) {
	def, ok := DefOf(dataset)
	if !ok {
		return Record{}, fmt.Errorf("cannot make a record: %q is not a profile dataset", dataset)
	}
	r := NewRecord(def)
	for name, v := range values {
		i, ok := def.Index(name)
		if !ok {
			return Record{}, fmt.Errorf("cannot make a %s record: no field %q", dataset, name)
		}
		switch x := v.(type) {
		case int:
			v = int64(x)
		case time.Time:
			if def.Fields[i].Kind != schema.KindDateTime {
				v = DateOf(x)
			}
		}
		if err := r.Set(name, v); err != nil {
			return Record{}, err
		}
	}
	return r, nil
}

// UnmarshalYAML reads a member as program test cases write it:
//
//	id_number: "110105..."
//	person: {name: 张伟, birth_date: 1975-03-12, status: normal}
//	residences: [{address: ..., since: 2019-05-01}]   # any profile key (schema.ProfileDatasets)
//	identity_conflicts: [{field: name, sources: [a, b]}]
//
// Record keys are field names of the dataset (values in their text form,
// see ParseText) and "evidence"; an unknown key is an error.
func (m *Member) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a household member must be a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		switch key {
		case "id_number":
			if err := val.Decode(&m.IDNumber); err != nil {
				return err
			}
		case "identity_conflicts":
			if err := val.Decode(&m.IdentityConflicts); err != nil {
				return err
			}
			for j := range m.IdentityConflicts {
				sort.Strings(m.IdentityConflicts[j].Sources)
			}
		default:
			def, ok := defByKey[key]
			if !ok {
				return fmt.Errorf("line %d: unknown member key %q (want id_number, identity_conflicts or one of %s)", val.Line, key, strings.Join(keys(), ", "))
			}
			items := []*yaml.Node{val}
			if def.Name != DatasetPerson {
				if val.Kind != yaml.SequenceNode {
					return fmt.Errorf("line %d: %s must be a list of records", val.Line, key)
				}
				items = val.Content
			}
			for _, item := range items {
				r, err := decodeRecord(def, item)
				if err != nil {
					return err
				}
				m.Add(r)
			}
		}
	}
	return nil
}

func keys() []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.Key
	}
	return out
}

func decodeRecord(def *Def, n *yaml.Node) (Record, error) {
	if n.Kind != yaml.MappingNode {
		return Record{}, fmt.Errorf("line %d: a %s record must be a mapping", n.Line, def.Name)
	}
	r := NewRecord(def)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		if key == "evidence" {
			if err := val.Decode(&r.Evidence); err != nil {
				return Record{}, err
			}
			if r.Evidence.Dataset == "" {
				r.Evidence.Dataset = def.Name
			}
			continue
		}
		j, ok := def.Index(key)
		if !ok {
			return Record{}, fmt.Errorf("line %d: dataset %s has no field %q", val.Line, def.Name, key)
		}
		if val.Kind != yaml.ScalarNode {
			return Record{}, fmt.Errorf("line %d: %s.%s must be a single value", val.Line, def.Name, key)
		}
		v, err := ParseText(def.Fields[j].Kind, val.Value)
		if err != nil {
			return Record{}, fmt.Errorf("line %d: %s.%s: %w", val.Line, def.Name, key, err)
		}
		r.Values[j] = v
	}
	return r, nil
}

// ParseText reads a value of kind k from its text form: text kinds as they
// are, fen and int as decimal integers, bool as true/false (or 1/0), date
// and month as "2006-01-02" (or an RFC 3339 instant's date, UTC), datetime
// as RFC 3339 (or a date, its UTC midnight). "" is the zero value.
func ParseText(k schema.Kind, s string) (any, error) {
	zero := Zero(k)
	if s == "" {
		return zero, nil
	}
	switch zero.(type) {
	case int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cannot read %q as an integer", s)
		}
		return n, nil
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("cannot read %q as true or false", s)
		}
		return b, nil
	case Date, time.Time:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, s); err != nil {
				return nil, fmt.Errorf("cannot read %q as a date (2006-01-02) or an RFC 3339 instant", s)
			}
		}
		if _, isDate := zero.(Date); isDate {
			return DateOf(t), nil
		}
		return t.UTC(), nil
	}
	return s, nil
}

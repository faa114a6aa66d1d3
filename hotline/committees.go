package hotline

import (
	"fmt"
	"strings"
)

// Committee is one community committee and the problem kinds it answers
// for (config hotline.committees).
type Committee struct {
	Name  string   `yaml:"name" json:"name"`
	Kinds []string `yaml:"kinds" json:"kinds"`
}

// DefaultCommittees are the district's six community committees and the
// kinds each owns.
var DefaultCommittees = []Committee{
	{Name: "共建与协调委员会", Kinds: []string{KindProperty, KindMaintenance, KindOldEstate}},
	{Name: "安全与民调委员会", Kinds: []string{KindSafety, KindDispute, KindNoise}},
	{Name: "公共事业发展委员会", Kinds: []string{KindHeating, KindUtilities, KindParking}},
	{Name: "社会福利委员会", Kinds: []string{KindElderly}},
	{Name: "民情民意委员会", Kinds: []string{KindPolicy, KindSuggestion}},
	{Name: "公共环境委员会", Kinds: []string{KindGarbage, KindRenovation, KindPublicSpace, KindGreenery}},
}

// Committees finds the committee of a kind.
type Committees struct {
	byKind map[string]string
	list   []Committee
}

// NewCommittees checks that every kind of the taxonomy is owned by exactly
// one committee and no committee names a kind the taxonomy lacks; the
// error names the kind (or committee) at fault.
func NewCommittees(list []Committee, tax *Taxonomy) (*Committees, error) {
	c := &Committees{byKind: map[string]string{}, list: list}
	known := map[string]bool{}
	for _, k := range tax.Kinds() {
		known[k] = true
	}
	names := map[string]bool{}
	for i, cm := range list {
		name := strings.TrimSpace(cm.Name)
		if name == "" {
			return nil, fmt.Errorf("committees[%d]: name is required", i)
		}
		if names[name] {
			return nil, fmt.Errorf("committees[%d]: duplicate committee %q", i, name)
		}
		names[name] = true
		for _, k := range cm.Kinds {
			if !known[k] {
				return nil, fmt.Errorf("committee %s: kind %q is in no category mapping (add it to hotline.categories)", name, k)
			}
			if other, dup := c.byKind[k]; dup {
				return nil, fmt.Errorf("kind %q is owned by two committees: %s and %s", k, other, name)
			}
			c.byKind[k] = name
		}
	}
	for _, k := range tax.Kinds() {
		if c.byKind[k] == "" {
			return nil, fmt.Errorf("kind %q has no committee (list it under one of hotline.committees)", k)
		}
	}
	return c, nil
}

// Of returns the committee that answers for kind ("" when none does, which
// NewCommittees rules out for the taxonomy's kinds).
func (c *Committees) Of(kind string) string { return c.byKind[kind] }

// List returns the committees as configured.
func (c *Committees) List() []Committee { return append([]Committee(nil), c.list...) }

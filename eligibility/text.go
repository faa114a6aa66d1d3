package eligibility

import (
	"fmt"

	"github.com/residenthub/residenthub/messages"
	"gopkg.in/yaml.v3"
)

// Text is a title, description or citation in Chinese and English. In a
// program file it is a map {zh: ..., en: ...}, or one plain string used for
// both languages.
type Text struct {
	En string `json:"en" yaml:"en"`
	Zh string `json:"zh" yaml:"zh"`
}

// UnmarshalYAML reads {zh, en} (no other keys) or a plain string.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		t.En, t.Zh = s, s
		return nil
	}
	var m map[string]string
	if err := n.Decode(&m); err != nil {
		return fmt.Errorf("line %d: want {zh: ..., en: ...} or a string: %w", n.Line, err)
	}
	for k := range m {
		if k != "zh" && k != "en" {
			return fmt.Errorf("line %d: unknown key %q, want zh and en", n.Line, k)
		}
	}
	t.En, t.Zh = m["en"], m["zh"]
	return nil
}

// In returns the text in lang (messages.Localized).
func (t Text) In(lang messages.Lang) string { return messages.Text{Zh: t.Zh, En: t.En}.In(lang) }

// Label names one of a program's parameters, rule values or outcomes for
// people, with its unit (a unit id of package messages: fen_per_month,
// fen_per_person_per_month, fen_window_total, fen, months, years, persons,
// sets, vehicles, grade; empty for counts, codes, dates and text).
type Label struct {
	Zh   string `json:"zh" yaml:"zh"`
	En   string `json:"en" yaml:"en"`
	Unit string `json:"unit,omitempty" yaml:"unit"`
}

// checkLabels requires both languages of every label and a known unit.
func checkLabels(labels map[string]Label) error {
	for name, l := range labels {
		if l.Zh == "" || l.En == "" {
			return fmt.Errorf("label %s: needs zh and en", name)
		}
		if _, ok := messages.Unit(l.Unit); l.Unit != "" && !ok {
			return fmt.Errorf("label %s: unknown unit %q (see package messages, unitTexts)", name, l.Unit)
		}
	}
	return nil
}

// units returns the units of a program's labels, by name; nil when none.
func units(labels map[string]Label) map[string]string {
	var out map[string]string
	for name, l := range labels {
		if l.Unit == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = l.Unit
	}
	return out
}

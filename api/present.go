package api

import (
	"strings"

	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/schema"
)

// How answers name things for people. The JSON keeps the stable codes
// (source ids, division codes, enum values, English notes) for programs,
// and adds beside them what a clerk reads: the department's display name
// (source_name), the names of the places a decision's values hold
// (place_names) and its notes in both languages (missing_text). Enum values
// and labels are named by the message catalogue (package messages; the page
// reads it at /web/messages.json).

// decisionView is a decision as POST /v1/checks answers it.
type decisionView struct {
	eligibility.Decision
	// PlaceNames names every division code in the rule values and outcomes
	// (hukou_division, community_code(s), district_prefix): code → full name
	// (北京市朝阳区望京街道), with the code where a level is unknown.
	PlaceNames map[string]string `json:"place_names"`
	// MissingText is Missing in Chinese and English, in the same order.
	MissingText []messages.Text `json:"missing_text"`
}

// presentDecision names the sources and places of a (masked) decision; d
// is the caller's own (its evidence is named in place).
func (s *Server) presentDecision(d eligibility.Decision) decisionView {
	s.nameEvidence(d.Evidence)
	for _, rr := range d.Rules {
		s.nameEvidence(rr.Evidence)
	}
	v := decisionView{Decision: d, PlaceNames: map[string]string{}, MissingText: make([]messages.Text, len(d.Missing))}
	for i, m := range d.Missing {
		v.MissingText[i] = messages.Missing(m)
	}
	for _, rr := range d.Rules {
		s.collectPlaces(v.PlaceNames, rr.Values)
	}
	s.collectPlaces(v.PlaceNames, d.Amounts)
	for _, p := range d.Parameters {
		if code, ok := p.Value.(string); ok && isDivisionCode(code) {
			v.PlaceNames[code] = s.deps.Places.Place(code).Name()
		}
	}
	return v
}

// nameEvidence sets, in place, each source's display name in ev.
func (s *Server) nameEvidence(ev []eligibility.Evidence) {
	for i := range ev {
		ev[i].SourceName = s.deps.SourceNames[ev[i].Source]
	}
}

// isPlaceKey reports whether a value name holds division codes.
func isPlaceKey(key string) bool {
	return strings.HasSuffix(key, "_division") || strings.HasPrefix(key, "community_code") || key == "district_prefix"
}

func isDivisionCode(s string) bool {
	return (len(s) == 6 || len(s) == 9 || len(s) == 12) && strings.Trim(s, "0123456789") == ""
}

// collectPlaces adds the names of the division codes in values (by key,
// also inside lists and nested maps) to names.
func (s *Server) collectPlaces(names map[string]string, values map[string]any) {
	for k, v := range values {
		switch x := v.(type) {
		case string:
			if isPlaceKey(k) && isDivisionCode(x) {
				names[x] = s.deps.Places.Place(x).Name()
			}
		case []any:
			for _, e := range x {
				switch y := e.(type) {
				case string:
					if isPlaceKey(k) && isDivisionCode(y) {
						names[y] = s.deps.Places.Place(y).Name()
					}
				case map[string]any:
					s.collectPlaces(names, y)
				}
			}
		case map[string]any:
			s.collectPlaces(names, x)
		}
	}
}

// relationName is the name of a relation-to-head code (配偶), or "".
func relationName(code string) string { return eligibility.RelationName(code) }

// presentResident names the sources of a profile's evidence and the
// places of its records' division fields (schema.KindDivision:
// hukou_division, community_code).
func (s *Server) presentResident(v *residentView) *residentView {
	v.PlaceNames = map[string]string{}
	present := func(r *facts.Record) {
		r.Evidence.SourceName = s.deps.SourceNames[r.Evidence.Source]
		for i, f := range r.Def.Fields {
			if code, ok := r.Values[i].(string); ok && f.Kind == schema.KindDivision && isDivisionCode(code) {
				v.PlaceNames[code] = s.deps.Places.Place(code).Name()
			}
		}
	}
	if v.Person != nil {
		present(v.Person)
	}
	for _, recs := range v.Records {
		for i := range recs {
			present(&recs[i])
		}
	}
	return v
}

package api

import (
	"net/http"
	"sort"
	"time"

	"github.com/residenthub/residenthub/eligibility"
)

// Programs holds the eligibility programs; *eligibility.Registry satisfies it.
type Programs interface {
	Program(id string) (*eligibility.Program, bool)
	List() []*eligibility.Program
}

var _ Programs = (*eligibility.Registry)(nil)

// programView is one program in GET /v1/programs: what it is, the values of
// its parameters in force on Date (with their history), which of them are
// past their review horizon, and its rules in order, with the CEL
// expressions for those who want to read them.
type programView struct {
	ID           string                   `json:"id"`
	Title        eligibility.Text         `json:"title"`
	Description  eligibility.Text         `json:"description"`
	RegionPrefix string                   `json:"region_prefix"`
	Scope        string                   `json:"scope"`
	Source       []string                 `json:"source"`
	DependsOn    []string                 `json:"depends_on"`
	Datasets     []datasetNeedView        `json:"datasets"`
	Date         string                   `json:"date"`
	Parameters   map[string]parameterView `json:"parameters"`
	// OverdueParameters are the parameters whose value in force on Date is
	// past its review horizon: every check of the program on Date answers
	// needs_review naming them until the program file gets a newer value.
	OverdueParameters []eligibility.OverdueParameter `json:"overdue_parameters"`
	Rules             []ruleView                     `json:"rules"`
	Outcomes          map[string]string              `json:"outcomes"`
	// Labels name the parameters, values and outcomes, with their units.
	Labels map[string]eligibility.Label `json:"labels"`
}

type datasetNeedView struct {
	Name   string `json:"name"`
	MaxAge string `json:"max_age"`
}

type parameterView struct {
	// InForce is the value in force on the date asked; nil when none is.
	InForce *eligibility.ParameterValue  `json:"in_force"`
	History []eligibility.ParameterValue `json:"history"`
}

type ruleView struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Description eligibility.Text  `json:"description"`
	Expression  string            `json:"expression"`
	Uses        []string          `json:"uses"`
	Values      map[string]string `json:"values,omitempty"`
}

// listPrograms serves GET /v1/programs[?as_of=YYYY-MM-DD].
func (s *Server) listPrograms(r *http.Request) (any, *apiError) {
	asOf, aerr := s.asOf(r.URL.Query().Get("as_of"))
	if aerr != nil {
		return nil, aerr
	}
	day := eligibility.CheckDate(asOf)
	out := []programView{}
	for _, p := range s.deps.Programs.List() {
		out = append(out, programViewOf(p, day))
	}
	return map[string]any{"date": day.Format(time.DateOnly), "programs": out}, nil
}

func programViewOf(p *eligibility.Program, day time.Time) programView {
	v := programView{
		ID: p.ID, Title: p.Title, Description: p.Description, RegionPrefix: p.RegionPrefix, Scope: p.Scope,
		Source: nonNil(p.Source), DependsOn: nonNil(p.DependsOn), Date: day.Format(time.DateOnly),
		Datasets: []datasetNeedView{}, Parameters: map[string]parameterView{}, Rules: []ruleView{}, Outcomes: p.Outcomes,
		OverdueParameters: p.Overdue(day),
	}
	if v.Outcomes == nil {
		v.Outcomes = map[string]string{}
	}
	v.Labels = p.Labels
	if v.Labels == nil {
		v.Labels = map[string]eligibility.Label{}
	}
	for _, d := range p.Datasets {
		v.Datasets = append(v.Datasets, datasetNeedView{Name: d.Name, MaxAge: d.MaxAge})
	}
	for name, vals := range p.Parameters {
		hist := append([]eligibility.ParameterValue(nil), vals...)
		sort.SliceStable(hist, func(i, j int) bool { return hist[i].EffectiveFrom.Before(hist[j].EffectiveFrom) })
		pv := parameterView{History: hist}
		for i := range hist {
			if !hist[i].EffectiveFrom.After(day) {
				pv.InForce = &hist[i]
			}
		}
		v.Parameters[name] = pv
	}
	for _, rule := range p.Rules {
		v.Rules = append(v.Rules, ruleView{ID: rule.ID, Kind: rule.Kind, Description: rule.Description,
			Expression: rule.Expression, Uses: nonNil(rule.Uses), Values: rule.Values})
	}
	return v
}

// knownPrograms lists the program ids, for "unknown program" answers.
func (s *Server) knownPrograms() []string {
	ids := []string{}
	for _, p := range s.deps.Programs.List() {
		ids = append(ids, p.ID)
	}
	return ids
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

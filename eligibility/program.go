package eligibility

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"gopkg.in/yaml.v3"
)

//go:embed programs/*.yaml
var embedded embed.FS

// Program is one eligibility program, decoded from its YAML file and compiled.
type Program struct {
	ID string `yaml:"id"`
	// Title is the program's name, {zh, en}: 最低生活保障, Minimum living allowance.
	Title       Text `yaml:"title"`
	Description Text `yaml:"description"`
	// RegionPrefix is the GB/T 2260 division-code prefix the program applies
	// to ("11" = Beijing); CEL variable region_prefix.
	RegionPrefix string `yaml:"region_prefix"`
	// Scope is "applicant" (default: only the applicant's records are
	// evidence) or "household".
	Scope string `yaml:"scope"`
	// Source cites the regulations and figures the program follows.
	Source []string `yaml:"source"`
	// Datasets the program needs, each with how old it may be on the check date.
	Datasets []DatasetNeed `yaml:"datasets"`
	// Parameters by name: effective-dated values (CEL variable params holds
	// the value in force on the check date).
	Parameters map[string][]ParameterValue `yaml:"parameters"`
	// ParameterReview is every parameter's review horizon, by name
	// (required for each; see Review).
	ParameterReview map[string]ParameterReview `yaml:"parameter_review"`
	// DependsOn names programs evaluated first on the same input; their
	// decisions are CEL variable programs.<id> ({decision, amounts}).
	DependsOn []string `yaml:"depends_on"`
	// Derived are named CEL expressions evaluated in order before the rules;
	// each sees the earlier ones as derived.<name>.
	Derived []Named `yaml:"derived"`
	Rules   []Rule  `yaml:"rules"`
	// Outcomes are CEL expressions computed when the decision is not
	// ineligible (Decision.Amounts), by name.
	Outcomes map[string]string `yaml:"outcomes"`
	// Labels name the program's parameters, rule values and outcomes for
	// the page, with their units (Decision.Units), by name.
	Labels map[string]Label `yaml:"labels"`
	Tests  []TestCase       `yaml:"tests"`

	// File is the program's file name.
	File string `yaml:"-"`

	derived  []compiled
	outcomes []compiled
	deps     []*Program
}

// DatasetNeed is a dataset a program reads and its maximum age on the check date.
type DatasetNeed struct {
	Name string `yaml:"name"`
	// MaxAge like "45d", "36h" (days or Go durations).
	MaxAge string        `yaml:"max_age"`
	maxAge time.Duration `yaml:"-"`
}

// Named is a named CEL expression.
type Named struct {
	Name       string `yaml:"name"`
	Expression string `yaml:"expression"`
}

// Rule is one condition of a program: a CEL expression that must be true.
type Rule struct {
	ID          string `yaml:"id"`
	Description Text   `yaml:"description"`
	// Kind is KindRequirement (false → ineligible) or KindReviewFlag (false →
	// needs_review).
	Kind       string `yaml:"kind"`
	Expression string `yaml:"expression"`
	// Uses names the datasets the rule reads (its evidence).
	Uses []string `yaml:"uses"`
	// Values are CEL expressions shown with the outcome, by name.
	Values map[string]string `yaml:"values"`

	expr   compiled
	values []compiled
}

type compiled struct {
	name string
	prg  celProgram
}

// Registry holds compiled programs by id.
type Registry struct {
	programs map[string]*Program
}

// Default returns the programs embedded from programs/*.yaml.
func Default() (*Registry, error) {
	sub, err := fs.Sub(embedded, "programs")
	if err != nil {
		return nil, fmt.Errorf("cannot open embedded programs: %w", err)
	}
	return Load(sub)
}

// Load reads and compiles every *.yaml file at the root of fsys (for a folder:
// os.DirFS(dir)). It fails on the first invalid file, naming the file and the
// rule or parameter. Test cases are decoded but not run (see RunTests).
func Load(fsys fs.FS) (*Registry, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("cannot list programs: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("cannot load programs: no *.yaml files")
	}
	env, err := newEnv()
	if err != nil {
		return nil, err
	}
	r := &Registry{programs: map[string]*Program{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read program %s: %w", name, err)
		}
		p, err := parseProgram(env, b)
		if err != nil {
			return nil, fmt.Errorf("program %s: %w", name, err)
		}
		p.File = path.Base(name)
		if other, dup := r.programs[p.ID]; dup {
			return nil, fmt.Errorf("program %s: id %q already used by %s", name, p.ID, other.File)
		}
		r.programs[p.ID] = p
	}
	for _, p := range r.programs {
		for _, id := range p.DependsOn {
			dep, ok := r.programs[id]
			if !ok || dep == p {
				return nil, fmt.Errorf("program %s: depends_on %q: no such program", p.File, id)
			}
			if len(dep.DependsOn) > 0 {
				return nil, fmt.Errorf("program %s: depends_on %q: that program has dependencies itself (one level only)", p.File, id)
			}
			p.deps = append(p.deps, dep)
		}
	}
	return r, nil
}

// Program returns the program with the id.
func (r *Registry) Program(id string) (*Program, bool) {
	p, ok := r.programs[id]
	return p, ok
}

// List returns all programs sorted by id.
func (r *Registry) List() []*Program {
	out := make([]*Program, 0, len(r.programs))
	for _, p := range r.programs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func parseProgram(env *cel.Env, b []byte) (*Program, error) {
	var p Program
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("cannot decode: %w", err)
	}
	if !validID(p.ID) {
		return nil, fmt.Errorf("id %q: want [a-z0-9_]+", p.ID)
	}
	if p.Title.Zh == "" || p.Title.En == "" || len(p.Source) == 0 {
		return nil, fmt.Errorf("title (zh and en) and source (citations) are required")
	}
	if err := checkLabels(p.Labels); err != nil {
		return nil, err
	}
	switch p.Scope {
	case "":
		p.Scope = "applicant"
	case "applicant", "household":
	default:
		return nil, fmt.Errorf("scope %q: want applicant or household", p.Scope)
	}
	for i := range p.Datasets {
		d := &p.Datasets[i]
		age, err := parseMaxAge(d.MaxAge)
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", d.Name, err)
		}
		d.maxAge = age
	}
	for name, vals := range p.Parameters {
		if len(vals) == 0 {
			return nil, fmt.Errorf("parameter %s: no values", name)
		}
		for i, v := range vals {
			if v.EffectiveFrom.IsZero() || v.Source.Zh == "" || v.Source.En == "" {
				return nil, fmt.Errorf("parameter %s value %d: effective_from and source (zh and en) are required", name, i+1)
			}
			vals[i].Value = normalizeYAML(v.Value)
		}
		sort.SliceStable(vals, func(i, j int) bool { return vals[i].EffectiveFrom.Before(vals[j].EffectiveFrom) })
	}
	if err := checkReviews(&p); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, d := range p.Derived {
		prg, err := compile(env, d.Expression, false)
		if err != nil {
			return nil, fmt.Errorf("derived %s: %w", d.Name, err)
		}
		if !validID(d.Name) || seen[d.Name] {
			return nil, fmt.Errorf("derived %q: bad or duplicate name", d.Name)
		}
		seen[d.Name] = true
		p.derived = append(p.derived, compiled{name: d.Name, prg: prg})
	}
	if len(p.Rules) == 0 {
		return nil, fmt.Errorf("no rules")
	}
	ruleIDs := map[string]bool{}
	for i := range p.Rules {
		r := &p.Rules[i]
		if !validID(r.ID) || ruleIDs[r.ID] {
			return nil, fmt.Errorf("rule %q: bad or duplicate id", r.ID)
		}
		ruleIDs[r.ID] = true
		if r.Kind != KindRequirement && r.Kind != KindReviewFlag {
			return nil, fmt.Errorf("rule %s: kind %q: want requirement or review_flag", r.ID, r.Kind)
		}
		if r.Description.En == "" || r.Description.Zh == "" {
			return nil, fmt.Errorf("rule %s: description needs en and zh", r.ID)
		}
		prg, err := compile(env, r.Expression, true)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		r.expr = compiled{name: r.ID, prg: prg}
		for _, name := range sortedKeys(r.Values) {
			prg, err := compile(env, r.Values[name], false)
			if err != nil {
				return nil, fmt.Errorf("rule %s: value %s: %w", r.ID, name, err)
			}
			r.values = append(r.values, compiled{name: name, prg: prg})
		}
	}
	for _, name := range sortedKeys(p.Outcomes) {
		prg, err := compile(env, p.Outcomes[name], false)
		if err != nil {
			return nil, fmt.Errorf("outcome %s: %w", name, err)
		}
		p.outcomes = append(p.outcomes, compiled{name: name, prg: prg})
	}
	for i := range p.Tests {
		if err := p.Tests[i].check(ruleIDs); err != nil {
			return nil, fmt.Errorf("test %d (%s): %w", i+1, p.Tests[i].Name, err)
		}
	}
	return &p, nil
}

// parseMaxAge reads "45d" (days) or a Go duration ("36h").
func parseMaxAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("max_age %q: want a positive number of days like 45d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("max_age %q: want like 45d or 36h", s)
	}
	return d, nil
}

func validID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// normalizeYAML turns YAML-decoded numbers into int64/float64 and nested
// collections into []any / map[string]any, the forms CEL takes.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalizeYAML(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeYAML(e)
		}
		return out
	}
	return v
}

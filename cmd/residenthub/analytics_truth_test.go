package main

import (
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/schema"
)

// expectations computes, from the demo generator's truth alone, what each
// example query of docs/analytics/ must answer.
type expectations struct {
	truth     *demo.Truth
	residents map[string]demo.Resident
	year      int // of the as-of day
}

func newExpectations(truth *demo.Truth) *expectations {
	e := &expectations{truth: truth, residents: map[string]demo.Resident{}}
	for _, r := range truth.Residents {
		e.residents[r.IDNumber] = r
	}
	d, _ := time.Parse(time.DateOnly, truth.AsOf)
	e.year = d.Year()
	return e
}

// community is where a household lives: the community of most counted
// members' residence records, ties to the smaller code, "" when none has one.
func (e *expectations) community(h demo.Household) string {
	n := map[string]int{}
	for _, id := range h.Members {
		if r := e.residents[id]; r.Residence != nil && r.Residence.CommunityCode != "" {
			n[r.Residence.CommunityCode]++
		}
	}
	best := ""
	for c, k := range n {
		if best == "" || k > n[best] || k == n[best] && c < best {
			best = c
		}
	}
	return best
}

// households yields every household with a counted member, with its community.
func (e *expectations) households() iter.Seq2[demo.Household, string] {
	return func(yield func(demo.Household, string) bool) {
		for _, h := range e.truth.Households {
			if len(h.Members) > 0 && !yield(h, e.community(h)) {
				return
			}
		}
	}
}

// cellOf returns the cell of key, adding an empty one if there is none.
func cellOf[T any](cells map[string]*T, key string) *T {
	if cells[key] == nil {
		cells[key] = new(T)
	}
	return cells[key]
}

// dibaoLine counts, per community, the households with a counted member,
// those below the dibao line (with their members and the monthly gap to the
// line) and the near-poor (at most 10 % above it).
func (e *expectations) dibaoLine() [][]string {
	type cell struct {
		households, below, belowMembers, near, nearMembers int
		gap                                                int64
	}
	cells := map[string]*cell{}
	for h, c := range e.households() {
		x := cellOf(cells, c)
		p, s := h.PerCapitaIncomeFen, h.StandardFen
		x.households++
		switch {
		case p < s:
			x.below++
			x.belowMembers += len(h.Members)
			x.gap += (s - p) * int64(len(h.Members))
		case p*10 <= s*11:
			x.near++
			x.nearMembers += len(h.Members)
		}
	}
	var out [][]string
	for c, x := range cells {
		out = append(out, []string{c, strconv.Itoa(x.households), strconv.Itoa(x.below), strconv.Itoa(x.belowMembers),
			strconv.FormatInt(x.gap, 10), strconv.Itoa(x.near), strconv.Itoa(x.nearMembers)})
	}
	return out
}

// birthYearAge is the age someone reaches in year, by birth year.
func birthYearAge(r demo.Resident, year int) int {
	y, _ := strconv.Atoi(r.BirthDate[:4])
	return year - y
}

func (e *expectations) elderly() [][]string {
	type cell struct {
		n80, n90, n100 int
		households     map[string]bool
	}
	cells := map[string]*cell{}
	for _, r := range e.truth.Residents {
		age := birthYearAge(r, e.year)
		if r.Status != "normal" || age < 80 {
			continue
		}
		c := ""
		if r.Residence != nil {
			c = r.Residence.CommunityCode
		}
		if cells[c] == nil {
			cells[c] = &cell{households: map[string]bool{}}
		}
		x := cells[c]
		x.n80++
		if age >= 90 {
			x.n90++
		}
		if age >= 100 {
			x.n100++
		}
		x.households[r.HouseholdID] = true
	}
	var out [][]string
	for c, x := range cells {
		out = append(out, []string{c, strconv.Itoa(x.n80), strconv.Itoa(x.n90), strconv.Itoa(x.n100), strconv.Itoa(len(x.households))})
	}
	return out
}

func (e *expectations) elderlyPerStreet() [][]string {
	n, households := map[string]int{}, map[string]map[string]bool{}
	for _, r := range e.truth.Residents {
		if r.Status != "normal" || r.Residence == nil || r.Residence.CommunityCode == "" || birthYearAge(r, e.year) < 80 {
			continue
		}
		s := r.Residence.CommunityCode[:9]
		n[s]++
		if households[s] == nil {
			households[s] = map[string]bool{}
		}
		households[s][r.HouseholdID] = true
	}
	var out [][]string
	for s, k := range n {
		out = append(out, []string{s, suppressed(len(households[s]), k)})
	}
	return out
}

// suppressed is a published cell: NULL behind fewer than 5 households.
func suppressed(households, n int) string {
	if households < 5 {
		return "NULL"
	}
	return strconv.Itoa(n)
}

// freshness is the freshness query's rows with latest_ingest_time and the
// rejection rate left as "-" (the test checks those itself). An invalid
// record whose key column is empty never reaches raw.<source>: its connector
// dead-letters it (schema.DeadLetter), so the pipelines never read it and the
// analytics database does not count it.
func (e *expectations) freshness(cfg *config.Config, pushed []pushedPerson) [][]string {
	atConnector := map[string]int{}
	for _, inv := range e.truth.Invalid {
		src, ok := cfg.Source(inv.Source)
		if !ok {
			panic("truth names source " + inv.Source)
		}
		if inv.Value == "" && slices.Contains(src.Key, src.Fields[inv.Field]) {
			atConnector[inv.Source]++
		}
	}
	row := func(source string, latest time.Time, messages, rejected int) []string {
		return []string{source, latest.UTC().Format(time.DateTime), latest.In(schema.ChinaTime).Format(time.DateOnly), "-",
			strconv.Itoa(messages), strconv.Itoa(rejected), "-"}
	}
	var out [][]string
	for _, c := range e.truth.Counts {
		latest, err := time.Parse(time.RFC3339, c.LatestSourceTime)
		if err != nil {
			panic(fmt.Sprintf("truth: %s latest source time %q", c.Source, c.LatestSourceTime))
		}
		out = append(out, row(c.Source, latest, c.Records-atConnector[c.Source], c.Invalid-atConnector[c.Source]))
	}
	var latest time.Time
	for _, p := range pushed {
		if p.at.After(latest) {
			latest = p.at
		}
	}
	return append(out, row("civil_affairs", latest, len(pushed), 0))
}

// conflicts: civil_affairs names some residents differently from hukou.
func (e *expectations) conflicts(pushed []pushedPerson) [][]string {
	n := 0
	for _, p := range pushed {
		if p.name != p.resident.Name {
			n++
		}
	}
	return [][]string{{"civil_affairs", "hukou", "name", strconv.Itoa(n), "-", "-"}}
}

// published is community_published: per household community, households,
// members, members turning 80+ in year and disabled members, each cell
// suppressed behind fewer than 5 households.
func (e *expectations) published(year int) [][]string {
	type cell struct {
		households, residents, old, disabled int
		oldHH, disabledHH                    int
	}
	cells := map[string]*cell{}
	for h, c := range e.households() {
		x := cellOf(cells, c)
		x.households++
		x.residents += len(h.Members)
		hasOld, hasDisabled := false, false
		for _, id := range h.Members {
			r := e.residents[id]
			if birthYearAge(r, year) >= 80 {
				x.old++
				hasOld = true
			}
			if r.DisabilityGrade > 0 {
				x.disabled++
				hasDisabled = true
			}
		}
		if hasOld {
			x.oldHH++
		}
		if hasDisabled {
			x.disabledHH++
		}
	}
	var out [][]string
	for c, x := range cells {
		out = append(out, []string{c, suppressed(x.households, x.households), suppressed(x.households, x.residents),
			suppressed(x.oldHH, x.old), suppressed(x.disabledHH, x.disabled)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

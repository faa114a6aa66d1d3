package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/residenthub/residenthub/schema"
)

// Options say what Generate writes.
type Options struct {
	// Dir is the output folder; the extracts go to Dir/drop/<source>/ and
	// the truth to Dir/truth.json. Created if missing.
	Dir string
	// Seed makes the data set: the same Seed and AsOf give the same bytes.
	Seed int64
	// Households is the number of households (default 2000, about 6,000
	// residents).
	Households int
	// AsOf is the check date D the truth is computed for (its calendar date
	// in Asia/Shanghai is used); zero means today in Asia/Shanghai.
	AsOf time.Time
}

// DefaultHouseholds is the number of households when Options.Households is 0.
const DefaultHouseholds = 2000

// cst is Asia/Shanghai (UTC+8 all year since 1992), fixed so that output does
// not depend on the machine's time zone database.
var cst = schema.ChinaTime

// generator holds the state of one Generate call.
type generator struct {
	opts Options
	// w holds the employers and the households being generated: one
	// block at a time (blocks.go), all of them in build.
	w            world
	boundaryNext int
	ids          map[string]bool // identity numbers given out (usedIDs)
	truth        *Truth

	// Random sources of the stages that run block by block, and what the
	// population stage drew up front.
	popR, econR *rand.Rand
	comms       []community
	archs       []string
	empCount    int // payroll lines generated so far (all blocks)
	assetCount  int // assets generated so far (all blocks)
	// hotline tickets: cases so far, counts by community and kind (hotline.go)
	hotlineSeq    int
	hotlineCounts map[string]map[string]*hotlineCount
	hotlineMonths [2][12]int // cases, calls of the year by month
}

// Generate writes the demo extracts and truth.json under opts.Dir and
// returns the truth. It is deterministic for a given Seed and AsOf.
func Generate(opts Options) (*Truth, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("cannot generate demo data: Options.Dir is empty")
	}
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	if err := g.write(); err != nil {
		return nil, err
	}
	g.truth.Hotline = g.hotlineTruth()
	if err := writeTruthFile(filepath.Join(opts.Dir, "truth.json"), g.truth); err != nil {
		return nil, err
	}
	return g.truth, nil
}

// newGenerator checks opts and draws what every block shares: the check
// date and its parameters, the employers, the communities and each
// household's archetype.
func newGenerator(opts Options) (*generator, error) {
	if opts.Households == 0 {
		opts.Households = DefaultHouseholds
	}
	if opts.Households < 1 {
		return nil, fmt.Errorf("cannot generate demo data: Households must be positive, got %d", opts.Households)
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = time.Now()
	}
	d := opts.AsOf.In(cst)
	g := &generator{opts: opts}
	g.w.asOf = date(d.Year(), d.Month(), d.Day())
	if g.w.asOf.Year() < 2016 {
		return nil, fmt.Errorf("cannot generate demo data: AsOf %s is before the demo's parameters (2016)", g.w.asOf.Format(time.DateOnly))
	}
	g.w.standardFen = standardOn(g.w.asOf)
	first := date(g.w.asOf.Year(), g.w.asOf.Month(), 1)
	for i := range g.w.window {
		g.w.window[i] = first.AddDate(0, i-incomeMonths, 0)
	}
	g.employers()
	g.popR = g.rng("population")
	g.comms = g.communities(g.popR)
	g.archs = archetypes(g.popR, opts.Households)
	g.econR = g.rng("economy")
	g.truth = g.newTruth()
	return g, nil
}

// build generates every household as one block and evaluates the truth,
// without writing files (for tests).
func build(opts Options) (*generator, *block, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, nil, err
	}
	return g, g.generateBlock(0, 0, g.opts.Households), nil
}

// generateBlock creates households [from, to) with their members,
// finances and truth, replacing the previous block in g.w.
func (g *generator) generateBlock(index, from, to int) *block {
	g.w.households, g.w.persons, g.w.emp, g.w.si, g.w.assets = nil, nil, nil, nil, nil
	g.populate(from, to)
	g.economy()
	g.evaluate()
	w := &g.w
	return &block{index: index, households: w.households, persons: w.persons, emp: w.emp, si: w.si, assets: w.assets}
}

// standardOverdue reports whether the dibao standard in force on day d is
// past its review horizon (standardReviewMonths after it took effect).
func standardOverdue(d time.Time) bool {
	var from time.Time
	for _, s := range beijingDibaoStandards {
		if f, _ := time.Parse(time.DateOnly, s.from); !f.After(d) {
			from = f
		}
	}
	return !from.IsZero() && !d.Before(from.AddDate(0, standardReviewMonths, 0))
}

// standardOn returns the Beijing dibao standard (fen per person per month)
// in force on day d.
func standardOn(d time.Time) int64 {
	var fen int64
	for _, s := range beijingDibaoStandards {
		if from, _ := time.Parse(time.DateOnly, s.from); !from.After(d) {
			fen = s.fen
		}
	}
	return fen
}

// rng returns the random source of one stage, derived from the seed and the
// stage name, so that a change in one stage does not reshuffle the others.
func (g *generator) rng(stage string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(stage))
	return rand.New(rand.NewPCG(uint64(g.opts.Seed), h.Sum64()))
}

// before returns a time of day (Asia/Shanghai, office hours) on a day
// between 1 and maxDays days before the check date.
func (g *generator) before(r *rand.Rand, maxDays int) time.Time {
	d := g.w.asOf.AddDate(0, 0, -1-r.IntN(max(1, maxDays)))
	return time.Date(d.Year(), d.Month(), d.Day(), 8+r.IntN(10), r.IntN(60), r.IntN(60), 0, cst)
}

// employers creates the synthetic employers of the district.
func (g *generator) employers() {
	r := g.rng("employers")
	used := map[string]bool{}
	for len(g.w.employers) < 60 {
		low := len(g.w.employers) >= 40
		kinds := employerKinds
		if low {
			kinds = lowEmployerKinds
		}
		name := "北京" + pick(r, employerNameParts) + pick(r, employerNameParts) + pick(r, kinds)
		if used[name] {
			continue
		}
		used[name] = true
		addr := districtCode
		if r.IntN(4) == 0 {
			addr = pick(r, beijingCounties).code
		}
		g.w.employers = append(g.w.employers, &employer{name: name, creditCode: makeCreditCode(addr, r.IntN(100000000)), low: low})
	}
}

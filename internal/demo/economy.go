package demo

import (
	"math/rand/v2"
	"strings"
	"time"
)

// economy gives every household its incomes, insurance, assets, health
// records and residence records, steered by its archetype.
func (g *generator) economy() {
	r := g.econR
	for _, h := range g.w.households {
		switch {
		case strings.HasPrefix(h.archetype, archBoundary):
			g.boundaryEconomy(r, h)
		case h.archetype == archWorking:
			g.workingEconomy(r, h)
		case h.archetype == archCentenarian || h.archetype == archNonagenaria:
			if r.IntN(2) == 0 {
				g.workingEconomy(r, h)
			} else {
				g.lowEconomy(r, h)
			}
		default:
			g.lowEconomy(r, h)
		}
		g.residences(r, h)
		g.healthRecords(r, h)
	}
}

// month returns the first day of the month k months from the check date's month.
func (g *generator) month(k int) time.Time {
	return date(g.w.asOf.Year(), g.w.asOf.Month(), 1).AddDate(0, k, 0)
}

// yuanFen draws an amount between lo and hi yuan, in fen, rounded to whole yuan.
func yuanFen(r *rand.Rand, lo, hi int) int64 {
	return int64(lo+r.IntN(hi-lo+1)) * 100
}

// wages adds one wage row per month of months, each within ±8% of meanFen
// (rounded to 50 fen), paid by e on the month's last day.
func (g *generator) wages(r *rand.Rand, p *person, e *employer, meanFen int64, months []time.Time) {
	for _, m := range months {
		fen := meanFen + meanFen*int64(r.IntN(17)-8)/100
		fen -= fen % 50
		g.addEmp(p, e, m, fen, "wage")
	}
}

// addEmp adds one payroll line; other income without an employer is paid
// by one of the district's employers (every line names its payer: the
// credit code is part of the record key).
func (g *generator) addEmp(p *person, e *employer, m time.Time, fen int64, kind string) *empRow {
	if e == nil {
		e = g.w.employers[g.empCount*7%len(g.w.employers)]
	}
	g.empCount++
	paid := m.AddDate(0, 1, -1)
	row := &empRow{seq: g.empCount, p: p, year: m.Year(), month: m.Month(), fen: fen, kind: kind, emp: e,
		paid: time.Date(paid.Year(), paid.Month(), paid.Day(), 17, 30, 0, 0, cst)}
	if kind == "other" || !g.w.asOf.After(paid) {
		row.paid = time.Date(m.Year(), m.Month(), 1, 10, 0, 0, 0, cst) // settled on the 1st
	}
	g.w.emp = append(g.w.emp, row)
	return row
}

// windowMonths returns the income months D-6..D-1, the last n of them.
func (g *generator) windowMonths(n int) []time.Time {
	return append([]time.Time(nil), g.w.window[incomeMonths-n:]...)
}

func (g *generator) addSI(r *rand.Rand, p *person, typ, status string, e *employer, base, pension int64, start time.Time) *siRow {
	row := &siRow{p: p, typ: typ, status: status, emp: e, baseFen: base, pensionFen: pension, start: start, current: true}
	row.updated = g.before(r, 400)
	if row.start.After(row.updated) {
		row.start = date(row.updated.Year(), row.updated.Month(), 1)
	}
	if status == "terminated" {
		row.end = date(row.updated.Year(), row.updated.Month(), 1).AddDate(0, 0, -1)
	}
	g.w.si = append(g.w.si, row)
	return row
}

// employed gives p wages in the income months (sometimes fewer, sometimes
// with older months too) and the insurances of an employee.
func (g *generator) employed(r *rand.Rand, p *person, e *employer, meanFen int64) {
	n := incomeMonths
	if r.IntN(100) < 8 {
		n = 2 + r.IntN(4) // started recently
	}
	months := g.windowMonths(n)
	if n == incomeMonths && r.IntN(4) == 0 {
		months = append([]time.Time{g.month(-8), g.month(-7)}, months...)
	}
	g.wages(r, p, e, meanFen, months)
	base := meanFen - meanFen%100
	start := g.month(-12 - r.IntN(120))
	g.addSI(r, p, "pension", "active", e, base, 0, start)
	g.addSI(r, p, "medical", "active", e, base, 0, start)
	if r.IntN(10) < 8 {
		g.addSI(r, p, "unemployment", "active", e, base, 0, start)
	}
	if r.IntN(10) < 3 {
		g.addSI(r, p, "work_injury", "active", e, base, 0, start)
	}
	if p.sex == "2" && r.IntN(10) < 4 {
		g.addSI(r, p, "maternity", "active", e, base, 0, start)
	}
}

// retiree gives p a pension being received and medical insurance; some
// pensions have an older version (before the yearly raise).
func (g *generator) retiree(r *rand.Rand, p *person, pensionFen int64) *siRow {
	start := p.birth.AddDate(60, 1, 0)
	start = date(start.Year(), start.Month(), 1)
	var old *siRow
	if r.IntN(10) == 0 {
		old = g.addSI(r, p, "pension", "receiving", nil, 0, pensionFen*95/100, start)
		old.current = false
	}
	row := g.addSI(r, p, "pension", "receiving", nil, 0, pensionFen, start)
	if old != nil {
		old.updated = row.updated.AddDate(-1, 0, -r.IntN(30))
	}
	g.addSI(r, p, "medical", "active", nil, 0, 0, start)
	return row
}

// registeredUnemployed gives p an unemployment registration with benefits.
func (g *generator) registeredUnemployed(r *rand.Rand, p *person) {
	if r.IntN(2) == 0 {
		g.wages(r, p, pick(r, g.w.employers), yuanFen(r, 2500, 6000), []time.Time{g.month(-10), g.month(-9), g.month(-8), g.month(-7)})
	}
	g.addSI(r, p, "unemployment", "receiving", nil, 0, 0, g.month(-1-r.IntN(5)))
	g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-24-r.IntN(60)))
}

// idle makes p a work-capable member without income or unemployment
// registration: maybe an old job, maybe a terminated registration.
func (g *generator) idle(r *rand.Rand, p *person) {
	if r.IntN(2) == 0 {
		g.wages(r, p, pick(r, g.w.employers[40:]), yuanFen(r, 2200, 4000), []time.Time{g.month(-11), g.month(-10), g.month(-9), g.month(-8), g.month(-7)})
	}
	if r.IntN(10) < 4 {
		g.addSI(r, p, "unemployment", "terminated", nil, 0, 0, g.month(-30))
	}
	p.disGrade, p.disCategory, p.illness = 0, "", false
}

var disabilityCategories = []string{"physical", "physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"}

func (g *generator) disable(r *rand.Rand, p *person) {
	p.hasHealth = true
	p.disGrade = 1 + r.IntN(4)
	p.disCategory = pick(r, disabilityCategories)
}

// notCounted handles deceased and moved-out members: a moved-out child
// earns well, a deceased parent's pension is sometimes still "receiving".
func (g *generator) notCounted(r *rand.Rand, p *person) {
	if p.status == statusMovedOut {
		g.employed(r, p, pick(r, g.w.employers[:40]), yuanFen(r, 6000, 20000))
		return
	}
	row := g.retiree(r, p, yuanFen(r, 2500, 5000)+int64(r.IntN(100)))
	if r.IntN(3) > 0 {
		row.status = "terminated"
		row.end = date(row.updated.Year(), row.updated.Month(), 1).AddDate(0, 0, -1)
	}
}

// workingEconomy: ordinary earners and pensioners, ordinary assets.
func (g *generator) workingEconomy(r *rand.Rand, h *household) {
	for _, p := range h.persons {
		age := ageOn(p.birth, g.w.asOf)
		switch {
		case p.status != statusNormal:
			g.notCounted(r, p)
		case age < 18:
			if r.IntN(2) == 0 {
				g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-12*age))
			}
		case age <= 22 && r.IntN(10) < 6: // student
			g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-12))
		case age < 60 && r.IntN(100) < 88:
			g.employed(r, p, pick(r, g.w.employers[:40]), yuanFen(r, 4500, 28000))
		case age < 60:
			if r.IntN(2) == 0 {
				g.registeredUnemployed(r, p)
			} else {
				g.idle(r, p)
			}
		default:
			g.retiree(r, p, yuanFen(r, 2800, 7500)+int64(r.IntN(100)))
		}
		if p.status == statusNormal && r.IntN(100) < 2 {
			g.disable(r, p)
		}
	}
	head := h.persons[0]
	if r.IntN(100) < 70 {
		g.addAsset(r, head, "real_estate", yuanFen(r, 1500, 12000)*1000)
		if r.IntN(100) < 15 {
			g.addAsset(r, pick(r, h.persons), "real_estate", yuanFen(r, 800, 6000)*1000)
		}
	}
	if r.IntN(100) < 45 {
		g.addAsset(r, head, "vehicle", yuanFen(r, 60, 400)*1000)
	}
	for _, p := range h.persons {
		if p.status == statusNormal && ageOn(p.birth, g.w.asOf) >= 18 && r.IntN(2) == 0 {
			g.addAsset(r, p, "deposit", yuanFen(r, 20000, 800000)+int64(r.IntN(100)))
		}
	}
}

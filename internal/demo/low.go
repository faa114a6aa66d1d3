package demo

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// lowEconomy: a household whose per-capita income is drawn below the dibao
// standard; work-age members without wages are registered unemployed,
// disabled, ill or have small other income — except the idle member of a
// low_review household. low_assets households get one asset over the limits.
func (g *generator) lowEconomy(r *rand.Rand, h *household) {
	S := g.w.standardFen
	var counted, workAge []*person
	for _, p := range h.persons {
		if p.status != statusNormal {
			g.notCounted(r, p)
			continue
		}
		counted = append(counted, p)
		if a := ageOn(p.birth, g.w.asOf); a >= 18 && a <= 59 {
			workAge = append(workAge, p)
		}
	}
	n := int64(len(counted))
	target := S * int64(15+r.IntN(76)) / 100 * n // household monthly income
	var idleP *person
	if h.archetype == archLowReview && len(workAge) > 0 {
		idleP = workAge[r.IntN(len(workAge))]
		g.idle(r, idleP)
	}
	var earners []*person
	for _, p := range counted {
		age := ageOn(p.birth, g.w.asOf)
		switch {
		case p == idleP:
		case age < 18:
			if r.IntN(2) == 0 {
				g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-12*age))
			}
		case age >= 60:
			if r.IntN(4) > 0 {
				pension := yuanFen(r, 600, 1600) + int64(r.IntN(100))
				g.retiree(r, p, pension)
				target -= pension
			} else {
				g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-120))
			}
		case len(earners) == 0:
			earners = append(earners, p)
		default:
			switch r.IntN(5) {
			case 0:
				g.registeredUnemployed(r, p)
			case 1:
				g.disable(r, p)
				g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-60))
			case 2:
				p.hasHealth, p.illness = true, true
				g.addSI(r, p, "medical", "active", nil, 0, 0, g.month(-60))
			case 3:
				amount := yuanFen(r, 800, 1500)
				g.addEmp(p, nil, g.w.window[1+r.IntN(2)], amount, "other")
				g.addEmp(p, nil, g.w.window[4], amount/2, "other")
				target -= amount * 3 / 2 / incomeMonths
			default:
				earners = append(earners, p)
			}
		}
	}
	for _, p := range earners {
		mean := target / int64(len(earners))
		if mean < 50000 {
			g.registeredUnemployed(r, p)
			continue
		}
		g.employed(r, p, pick(r, g.w.employers[40:]), mean)
	}
	// assets within the limits: deposits up to 40% of the limit, maybe a home
	limit := S * depositLimitMonths * n
	deposits := int64(0)
	for _, p := range counted {
		if ageOn(p.birth, g.w.asOf) >= 18 && r.IntN(3) == 0 {
			v := limit * int64(r.IntN(40)) / 100 / n
			g.addAsset(r, p, "deposit", v)
			deposits += v
		}
	}
	head := h.persons[0]
	homes := 0
	if r.IntN(100) < 45 {
		g.addAsset(r, head, "real_estate", yuanFen(r, 300, 4000)*1000)
		homes++
	}
	if h.archetype == archLowAssets {
		switch r.IntN(3) {
		case 0:
			g.addAsset(r, head, "deposit", limit-deposits+1+int64(r.IntN(3000000)))
		case 1:
			for ; homes < 2; homes++ {
				g.addAsset(r, head, "real_estate", yuanFen(r, 300, 4000)*1000)
			}
		default:
			g.addAsset(r, pick(r, counted), "vehicle", yuanFen(r, 30, 150)*1000)
		}
	}
}

// boundaryCase is a household built to sit exactly on one limit of the rules.
type boundaryCase struct {
	name    string
	members []memberSpec
}

var boundaryCases = []boundaryCase{
	{"income_equals_standard", []memberSpec{ms("02", 45, "1")}},
	{"income_one_fen_below", []memberSpec{ms("02", 45, "2")}},
	{"per_capita_floor", []memberSpec{ms("02", 40, "1"), ms("12", 38, "2"), ms("20", 10, "1")}},
	{"deposit_at_limit", []memberSpec{ms("02", 72, "1"), ms("12", 70, "2")}},
	{"deposit_one_fen_over", []memberSpec{ms("02", 73, "1"), ms("12", 71, "2")}},
	{"window_edges", []memberSpec{ms("02", 50, "1")}},
	{"deceased_pension", []memberSpec{ms("02", 75, "2"), {rel: "11", age: 78, sex: "1", status: statusDeceased}}},
	{"just_turned_60", []memberSpec{{rel: "02", age: 60, sex: "1", exact: "today"}}},
	{"turns_60_tomorrow", []memberSpec{{rel: "02", age: 59, sex: "1", exact: "tomorrow"}}},
	{"other_income_only", []memberSpec{ms("02", 35, "1")}},
	{"terminated_unemployment", []memberSpec{ms("02", 40, "2")}},
	{"registered_unemployed", []memberSpec{ms("02", 41, "1")}},
	{"suspended_pension", []memberSpec{ms("02", 65, "1")}},
	{"pension_history", []memberSpec{ms("02", 70, "2")}},
	{"moved_out_earner", []memberSpec{ms("02", 55, "1"), ms("12", 53, "2"), {rel: "20", age: 28, sex: "1", status: statusMovedOut}}},
	{"review_and_vehicle", []memberSpec{ms("02", 45, "1")}},
}

// boundaryEconomy builds the finances of a boundary household.
func (g *generator) boundaryEconomy(r *rand.Rand, h *household) {
	S := g.w.standardFen
	head := h.persons[0]
	e := g.w.employers[40]
	// exactWages spreads total fen over the 6 income months (first months
	// get the remainder), so that the sum is exact.
	exactWages := func(p *person, total int64) {
		for i, m := range g.w.window {
			fen := total / incomeMonths
			if int64(i) < total%incomeMonths {
				fen++
			}
			g.addEmp(p, e, m, fen, "wage")
		}
		g.addSI(r, p, "pension", "active", e, total/incomeMonths, 0, g.month(-36))
	}
	switch h.archetype[len(archBoundary)+1:] {
	case "income_equals_standard":
		exactWages(head, incomeMonths*S)
	case "income_one_fen_below":
		exactWages(head, incomeMonths*(S-1)+5)
	case "per_capita_floor":
		exactWages(head, incomeMonths*(3*S-1))
		g.registeredUnemployed(r, h.persons[1])
	case "deposit_at_limit", "deposit_one_fen_over":
		g.retiree(r, head, 80000)
		g.retiree(r, h.persons[1], 60000)
		limit := S * depositLimitMonths * 2
		g.addAsset(r, head, "deposit", limit/2)
		rest := limit - limit/2
		if h.archetype == archBoundary+":deposit_one_fen_over" {
			rest++
		}
		g.addAsset(r, h.persons[1], "deposit", rest)
	case "window_edges":
		g.addEmp(head, e, g.month(-7), 300000, "wage")
		if g.w.asOf.Day() >= 2 {
			g.addEmp(head, nil, g.month(0), 250000, "other")
		}
	case "deceased_pension":
		g.retiree(r, head, 90000)
		row := g.retiree(r, h.persons[1], 500000)
		row.status = "receiving" // not yet stopped: he does not count anyway
	case "just_turned_60", "turns_60_tomorrow":
		g.addSI(r, head, "medical", "active", nil, 0, 0, g.month(-60))
	case "other_income_only":
		g.addEmp(head, nil, g.w.window[2], 150000, "other")
		g.addEmp(head, nil, g.w.window[5], 90000, "other")
	case "terminated_unemployment":
		g.addSI(r, head, "unemployment", "terminated", nil, 0, 0, g.month(-20))
	case "registered_unemployed":
		g.addSI(r, head, "unemployment", "receiving", nil, 0, 0, g.month(-3))
	case "suspended_pension":
		row := g.retiree(r, head, 300000)
		row.status = "suspended"
	case "pension_history":
		old := g.addSI(r, head, "pension", "receiving", nil, 0, 100000, g.month(-120))
		old.updated, old.current = old.updated.AddDate(-2, 0, 0), false
		g.addSI(r, head, "pension", "receiving", nil, 0, 115050, g.month(-120))
	case "moved_out_earner":
		g.registeredUnemployed(r, head)
		g.registeredUnemployed(r, h.persons[1])
		g.employed(r, h.persons[2], g.w.employers[0], 1500000)
	case "review_and_vehicle":
		g.addAsset(r, head, "vehicle", 4500000)
	}
}

// addAsset records one asset with a unique registry number.
func (g *generator) addAsset(r *rand.Rand, p *person, kind string, valueFen int64) {
	g.assetCount++
	n := g.assetCount
	reg := g.before(r, 15*365)
	g.w.assets = append(g.w.assets, &assetRow{assetID: assetID(r, kind, n, reg.Year()), p: p, kind: kind, valueFen: valueFen,
		registered: date(reg.Year(), reg.Month(), reg.Day())})
}

// assetID is the registry number of the n-th asset (n ≥ 1, one number per
// asset) of a kind, registered in year: a real-estate title number, a
// Beijing vehicle plate (京, a letter, n in at least five digits) or a bank
// account. Each encodes n, so numbers never repeat however many assets there
// are, and the truth counts each asset once, for its one owner.
func assetID(r *rand.Rand, kind string, n, year int) string {
	switch kind {
	case "real_estate":
		return fmt.Sprintf("京(%d)朝阳区不动产权第%07d号", year, 100000+n*7)
	case "vehicle":
		const letters = "ABCDEFGHJKLMNPQ"
		return fmt.Sprintf("京%c%05d", letters[r.IntN(len(letters))], n)
	default:
		return fmt.Sprintf("6217%015d", int64(n)*7919+int64(r.IntN(7919)))
	}
}

// residences gives most living members a residence record.
func (g *generator) residences(r *rand.Rand, h *household) {
	prefix := "北京市朝阳区"
	if h.comm.county != "朝阳区" {
		prefix = "北京市" + h.comm.county
	}
	evidence := []string{"access_control", "access_control", "access_control", "rental_registration", "rental_registration", "property", "property", "other"}
	ev := pick(r, evidence)
	since := g.before(r, 20*365)
	for _, p := range h.persons {
		if p.status != statusNormal || r.IntN(100) < 6 {
			continue
		}
		s := since
		if s.Before(p.birth) {
			s = p.birth
		}
		p.res = &residence{address: prefix + h.comm.street.name + h.address, communityCode: h.comm.code, communityName: h.comm.name,
			since: date(s.Year(), s.Month(), s.Day()), evidence: ev, updated: g.before(r, 300)}
	}
}

// healthRecords gives a quarter of the others a health record without
// disability and fills the health-code fields of every record.
func (g *generator) healthRecords(r *rand.Rand, h *household) {
	for _, p := range h.persons {
		if p.status == statusDeceased {
			continue
		}
		if !p.hasHealth && r.IntN(4) == 0 {
			p.hasHealth = true
		}
		if !p.hasHealth {
			continue
		}
		p.colour = "green"
		if n := r.IntN(100); n < 4 {
			p.colour = "yellow"
		} else if n < 5 {
			p.colour = "red"
		}
		// health codes were issued in 2020-2022
		p.colourTime = time.Date(2022, 3, 1, 8+r.IntN(10), r.IntN(60), 0, 0, cst).AddDate(0, 0, r.IntN(270))
	}
}

package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Household archetypes steer the generated finances; the expected dibao
// decision is always computed from the generated data (dibao.go), never
// taken from the archetype.
const (
	archWorking     = "working"      // earners with ordinary wages: ineligible by income
	archLow         = "low"          // low income: eligible unless something else fails
	archLowAssets   = "low_assets"   // low income but deposits, 2 properties or a vehicle
	archLowReview   = "low_review"   // low income, an idle work-capable member
	archOutside     = "outside"      // hukou outside Beijing: applicant rule fails
	archCentenarian = "centenarian"  // a member aged 100+
	archBoundary    = "boundary"     // per-capita income or deposits exactly at a limit
	archNonagenaria = "nonagenarian" // a member aged 90-99
)

// archetypes returns the archetype of each of n households, shuffled.
func archetypes(r *rand.Rand, n int) []string {
	var out []string
	add := func(a string, k int) {
		for i := 0; i < k; i++ {
			out = append(out, a)
		}
	}
	if n >= 40 {
		add(archBoundary, len(boundaryCases))
	}
	add(archCentenarian, max(1, n/500))
	add(archNonagenaria, max(1, n/100))
	add(archOutside, max(1, n*3/100))
	add(archLowAssets, max(1, n*6/100))
	add(archLowReview, max(1, n*6/100))
	add(archLow, max(1, n*20/100))
	add(archWorking, n-len(out))
	out = out[:n]
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// memberSpec is one member to create: relation code, age on the check date,
// sex ("" = random), and optionally an exact birthday (see birthFor) and a
// status other than normal.
type memberSpec struct {
	rel    string
	age    int
	sex    string
	exact  string
	status string
}

func ms(rel string, age int, sex string) memberSpec {
	return memberSpec{rel: rel, age: age, sex: sex}
}

// composition draws the members of a household of one archetype.
func composition(r *rand.Rand, arch string) []memberSpec {
	between := func(a, b int) int { return a + r.IntN(b-a+1) }
	headSex := "1"
	if r.IntN(10) < 3 {
		headSex = "2"
	}
	other := map[string]string{"1": "2", "2": "1"}
	spouse := func(h memberSpec) memberSpec {
		rel := "10"
		if r.IntN(2) == 0 {
			rel = map[string]string{"1": "12", "2": "11"}[h.sex]
		}
		return ms(rel, max(20, h.age+between(-5, 4)), other[h.sex])
	}
	child := func(parentAge, i int) memberSpec {
		sex := []string{"1", "2"}[r.IntN(2)]
		rel := map[string]string{"1": "20", "2": "30"}[sex]
		if r.IntN(3) == 0 && i < 2 {
			rel = map[string][]string{"1": {"22", "23"}, "2": {"32", "33"}}[sex][i]
		}
		return ms(rel, max(1, parentAge-between(23, 36)-3*i), sex)
	}
	parents := func(h memberSpec, both bool) []memberSpec {
		fa := min(101, h.age+between(24, 34))
		out := []memberSpec{ms("52", fa-between(0, 4), "2")}
		if both || r.IntN(3) == 0 {
			out = append(out, ms("51", fa, "1"))
		}
		return out
	}
	switch arch {
	case archCentenarian:
		h := ms("02", between(100, 104), headSex)
		if r.IntN(2) == 0 {
			return []memberSpec{h}
		}
		return []memberSpec{h, ms("20", h.age-between(25, 32), "1")}
	case archNonagenaria:
		h := ms("02", between(90, 99), headSex)
		switch r.IntN(3) {
		case 0:
			return []memberSpec{h}
		case 1:
			return []memberSpec{h, spouse(h)}
		}
		return []memberSpec{h, ms("30", h.age-between(25, 32), "2")}
	}
	size := []int{1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6}[r.IntN(15)]
	switch size {
	case 1:
		if arch == archLow && r.IntN(2) == 0 {
			return []memberSpec{ms("02", between(60, 92), headSex)}
		}
		return []memberSpec{ms("02", between(22, 75), headSex)}
	case 2:
		h := ms("02", between(24, 88), headSex)
		if r.IntN(4) > 0 {
			return []memberSpec{h, spouse(h)}
		}
		h.age = between(40, 85)
		return []memberSpec{h, child(h.age, 0)}
	case 3:
		h := ms("02", between(28, 62), headSex)
		switch r.IntN(20) {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11:
			return []memberSpec{h, spouse(h), child(h.age, 0)}
		case 12, 13, 14, 15, 16:
			return append([]memberSpec{h, spouse(h)}, parents(h, false)[:1]...)
		}
		return []memberSpec{h, child(h.age, 0), child(h.age, 1)}
	case 4:
		h := ms("02", between(30, 62), headSex)
		switch r.IntN(20) {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10:
			return []memberSpec{h, spouse(h), child(h.age, 0), child(h.age, 1)}
		case 11, 12, 13, 14, 15, 16:
			return append([]memberSpec{h, spouse(h), child(h.age, 0)}, parents(h, false)[:1]...)
		}
		h = ms("02", between(58, 88), "1")
		son := ms("20", h.age-between(25, 32), "1")
		return []memberSpec{h, spouse(h), son, ms("38", son.age+between(-3, 3), "2")}
	case 5:
		h := ms("02", between(32, 60), headSex)
		switch r.IntN(10) {
		case 0, 1, 2, 3:
			return append([]memberSpec{h, spouse(h), child(h.age, 0)}, parents(h, true)...)
		case 4, 5, 6:
			return []memberSpec{h, spouse(h), child(h.age, 0), child(h.age, 1), child(h.age, 2)}
		}
		h = ms("02", between(58, 86), "1")
		son := ms("20", h.age-between(25, 32), "1")
		return []memberSpec{h, spouse(h), son, ms("38", son.age+between(-3, 3), "2"), ms("41", max(1, son.age-between(24, 32)), "1")}
	}
	h := ms("02", between(34, 58), headSex)
	if r.IntN(2) == 0 {
		return append([]memberSpec{h, spouse(h), child(h.age, 0), child(h.age, 1)}, parents(h, true)...)
	}
	h = ms("02", between(60, 86), "1")
	son := ms("20", h.age-between(25, 32), "1")
	return []memberSpec{h, spouse(h), son, ms("38", son.age+between(-3, 3), "2"),
		ms("41", max(1, son.age-between(24, 32)), "1"), ms("42", max(1, son.age-between(26, 34)), "2")}
}

// populate creates households [from, to) and their members.
func (g *generator) populate(from, to int) {
	r, comms := g.popR, g.comms
	ids := g.usedIDs()
	for i := from; i < to; i++ {
		arch := g.archs[i]
		h := &household{index: i, id: fmt.Sprintf("1050%05d", 10001+i*3+r.IntN(3)), archetype: arch}
		if arch == archBoundary {
			h.archetype = arch + ":" + boundaryCases[g.boundaryNext].name
		}
		h.comm = comms[r.IntN(len(comms))]
		if r.IntN(100) < 3 && !strings.HasPrefix(arch, archBoundary) {
			ns := nearbyStreets[r.IntN(len(nearbyStreets))]
			h.comm = community{code: fmt.Sprintf("%s%03d", ns.code, 1+r.IntN(12)), name: pick(r, communityPrefixes) + "社区", street: ns.street, county: ns.county}
		}
		h.address = fmt.Sprintf("%s%d号楼%d单元%d%02d号", strings.TrimSuffix(h.comm.name, "社区"), 1+r.IntN(24), 1+r.IntN(6), 1+r.IntN(18), 1+r.IntN(4))
		var specs []memberSpec
		if arch == archBoundary {
			specs = boundaryCases[g.boundaryNext].members
			g.boundaryNext++
		} else {
			specs = composition(r, arch)
		}
		uyghur := r.IntN(100) == 0 && arch != archCentenarian
		h.surname = pick(r, surnames)
		g.members(r, h, specs, uyghur, ids)
		if len(specs) <= 5 && arch != archBoundary {
			g.extraMembers(r, h, ids)
		}
		g.w.households = append(g.w.households, h)
		g.w.persons = append(g.w.persons, h.persons...)
	}
}

// communities draws 6-14 synthetic communities under each street of the district.
func (g *generator) communities(r *rand.Rand) []community {
	var out []community
	for _, s := range streets110105 {
		used := map[string]bool{}
		for i := 1; i <= 6+r.IntN(9); i++ {
			name := pick(r, communityPrefixes) + pick(r, communitySuffixes) + "社区"
			if used[name] {
				continue
			}
			used[name] = true
			out = append(out, community{code: fmt.Sprintf("%s%03d", s.code, i), name: name, street: s, county: "朝阳区"})
		}
	}
	return out
}

// members creates the persons of h from specs.
func (g *generator) members(r *rand.Rand, h *household, specs []memberSpec, uyghur bool, ids map[string]bool) {
	outside := h.archetype == archOutside
	hukou := districtCode
	var home county
	switch {
	case outside:
		home = outsideCounties[r.IntN(len(outsideCounties))]
		hukou = home.code
	case r.IntN(100) < 8:
		home = beijingCounties[r.IntN(len(beijingCounties))]
		hukou = home.code
	default:
		home = county{districtCode, "北京市", "", "朝阳区"}
		if r.IntN(10) == 0 {
			hukou = h.comm.street.code // 9-digit street-level hukou division
			if !strings.HasPrefix(hukou, districtCode) {
				hukou = districtCode
			}
		}
	}
	hukouAddr := home.province + home.city + home.name + h.address
	if !outside && home.code == districtCode {
		hukouAddr = "北京市朝阳区" + h.comm.street.name + h.address
	}
	headSurname := h.surname
	var headGiven string
	for i, s := range specs {
		p := &person{hh: h, relation: s.rel, hukouDiv: hukou, hukouAddr: hukouAddr, status: statusNormal}
		if s.status != "" {
			p.status = s.status
		}
		p.sex = s.sex
		if p.sex == "" {
			p.sex = []string{"1", "2"}[r.IntN(2)]
		}
		p.birth = g.birthFor(r, s)
		birthPlace := g.birthPlace(r, p, home, uyghur)
		p.id = uniqueID(r, birthPlace, p, ids)
		switch {
		case uyghur:
			p.ethnicity = "05"
			father := pick(r, uyghurMale)
			if i > 0 && (s.rel[0] == '2' || s.rel[0] == '3') {
				father = headGiven
			}
			given := pick(r, uyghurMale)
			if p.sex == "2" {
				given = pick(r, uyghurFemale)
			}
			if i == 0 {
				headGiven = given
			}
			p.name = given + "·" + father
		default:
			p.ethnicity = "01"
			if r.IntN(100) < 6 {
				p.ethnicity = pick(r, minorityEthnicities)
			}
			surname := pick(r, surnames)
			if s.rel == "02" || s.rel == "51" || s.rel[0] == '4' || (s.rel[0] == '2' || s.rel[0] == '3') && (specs[0].sex == "1" || r.IntN(10) < 7) {
				surname = headSurname
			}
			p.name = surname + givenName(r, p.sex)
		}
		p.phone = phoneFor(r, ageOn(p.birth, g.w.asOf))
		p.changed = g.before(r, 3*365)
		if p.birth.Year() < 1980 && p.birth.Year() >= 1900 && r.IntN(40) == 0 {
			p.idForm = id15
		} else if r.IntN(60) == 0 {
			p.idForm = idFullWidth
		} else if p.id[17] == 'X' && r.IntN(3) == 0 {
			p.idForm = idLowerX
		}
		h.persons = append(h.persons, p)
	}
}

// extraMembers adds members who do not count for the household: a deceased
// parent and a child who moved out.
func (g *generator) extraMembers(r *rand.Rand, h *household, ids map[string]bool) {
	head := h.persons[0]
	headAge := ageOn(head.birth, g.w.asOf)
	var specs []memberSpec
	if r.IntN(100) < 4 && headAge < 70 {
		rel := []string{"51", "52"}[r.IntN(2)]
		specs = append(specs, memberSpec{rel: rel, age: min(100, headAge+26+r.IntN(8)), sex: map[string]string{"51": "1", "52": "2"}[rel], status: statusDeceased})
	}
	if r.IntN(100) < 3 && headAge >= 48 {
		specs = append(specs, memberSpec{rel: "20", age: headAge - 24 - r.IntN(6), sex: "1", status: statusMovedOut})
	}
	if len(specs) == 0 {
		return
	}
	n := len(h.persons)
	g.members(r, h, specs, false, ids)
	for _, p := range h.persons[n:] {
		p.hukouDiv, p.hukouAddr = head.hukouDiv, head.hukouAddr
		p.changed = g.before(r, 200)
	}
}

// birthFor returns a birth date giving age exactly s.age on the check date,
// never 29 February (whose birthday is ambiguous in common years). s.exact
// "today" puts the birthday on the check date, "tomorrow" on the day after.
func (g *generator) birthFor(r *rand.Rand, s memberSpec) time.Time {
	var b time.Time
	switch s.exact {
	case "today":
		b = g.w.asOf.AddDate(-s.age, 0, 0)
	case "tomorrow":
		b = g.w.asOf.AddDate(0, 0, 1).AddDate(-s.age-1, 0, 0)
	default:
		b = g.w.asOf.AddDate(-s.age, 0, -1-r.IntN(360))
	}
	if b.Month() == time.February && b.Day() == 29 {
		b = b.AddDate(0, 0, -1)
	}
	return b
}

// birthPlace returns the address code of a person's identity number.
func (g *generator) birthPlace(r *rand.Rand, p *person, home county, uyghur bool) string {
	switch {
	case uyghur && ageOn(p.birth, g.w.asOf) >= 18:
		return xinjiangCounties[r.IntN(len(xinjiangCounties))].code
	case home.code != districtCode && !strings.HasPrefix(home.code, "11"):
		return home.code
	}
	switch n := r.IntN(100); {
	case n < 55:
		return districtCode
	case n < 80:
		if p.birth.Year() < 2010 && r.IntN(5) == 0 {
			return oldBeijingCounties[r.IntN(len(oldBeijingCounties))].code
		}
		return beijingCounties[r.IntN(len(beijingCounties))].code
	}
	return outsideCounties[r.IntN(len(outsideCounties))].code
}

// uniqueID draws an identity number for p not used before.
func uniqueID(r *rand.Rand, addr string, p *person, ids map[string]bool) string {
	for {
		seq := r.IntN(500) * 2
		if p.sex == "1" {
			seq++
		}
		id := makeID(addr, p.birth.Year(), p.birth.Month(), p.birth.Day(), seq)
		if !ids[id] {
			ids[id] = true
			return id
		}
	}
}

func givenName(r *rand.Rand, sex string) string {
	pool := maleGiven
	if sex == "2" {
		pool = femaleGiven
	}
	n := 1 + min(1, r.IntN(10)/3)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(pool[r.IntN(len(pool))])
	}
	return b.String()
}

// phoneFor draws a canonical phone number: none for children, a Beijing
// landline for some elderly, else a mobile number.
func phoneFor(r *rand.Rand, age int) string {
	switch {
	case age < 14:
		return ""
	case age >= 70 && r.IntN(2) == 0:
		return fmt.Sprintf("010%d%07d", 6+r.IntN(3), r.IntN(10000000))
	}
	prefixes := []string{"130", "131", "135", "136", "138", "139", "150", "151", "158", "159", "166", "177", "186", "187", "189", "199"}
	return fmt.Sprintf("%s%08d", pick(r, prefixes), r.IntN(100000000))
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

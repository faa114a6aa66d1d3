package demo

import "time"

// The canonical model: what the generator decides before rendering it as
// department extracts. Values here are already normalized (18-digit ID
// numbers, national codes, fen, calendar dates as UTC midnight).

// Person statuses (dataset person, field status).
const (
	statusNormal   = "normal"
	statusDeceased = "deceased"
	statusMovedOut = "moved_out"
)

// ID number forms as written in the hukou extract.
const (
	idPlain     = iota
	id15        // first-generation 15-digit number (born 19xx)
	idFullWidth // full-width digits
	idLowerX    // check character written as lower-case x
)

type person struct {
	id        string
	name      string
	sex       string // GB/T 2261.1: 1 male, 2 female
	birth     time.Time
	ethnicity string // GB 3304
	hh        *household
	relation  string // GB/T 4761
	hukouDiv  string
	hukouAddr string
	status    string
	phone     string // canonical digits, "" when none
	changed   time.Time
	idForm    int

	res *residence

	// health (hasHealth: the person has a health commission record)
	hasHealth   bool
	disGrade    int    // 0 none, 1..4
	disCategory string // enum of dataset health, "" when none
	illness     bool
	colour      string
	colourTime  time.Time
}

type residence struct {
	address       string
	communityCode string
	communityName string
	since         time.Time
	evidence      string // access_control, rental_registration, property, other
	updated       time.Time
}

type community struct {
	code, name string
	street     street
	county     string // county name, 朝阳区 for the district
}

type household struct {
	index     int // position in world.households
	id        string
	archetype string
	surname   string // the head's surname, shared by children and the father
	persons   []*person
	comm      community
	address   string // dwelling address (without 北京市...)
}

// empRow is one payroll line (dataset employment).
type empRow struct {
	seq     int // 1-based position in world.emp (the payroll's 序号)
	p       *person
	year    int
	month   time.Month
	fen     int64
	kind    string // wage, other
	emp     *employer
	paid    time.Time
	invalid string // reason when the rendered row is invalid, never counted
}

// siRow is one version of a social insurance record (dataset
// social_insurance); versions of one record share (person, type).
type siRow struct {
	p          *person
	typ        string // pension, medical, unemployment, work_injury, maternity
	status     string // active, suspended, terminated, receiving
	emp        *employer
	baseFen    int64
	pensionFen int64
	start, end time.Time
	updated    time.Time
	current    bool // the latest version of its record
}

// assetRow is one asset (dataset asset).
type assetRow struct {
	assetID    string
	p          *person
	kind       string // real_estate, vehicle, deposit, other
	valueFen   int64
	registered time.Time
}

// world is everything generated, before rendering.
type world struct {
	asOf        time.Time // check date D, UTC midnight
	standardFen int64
	window      [incomeMonths]time.Time // first days of months D-6..D-1
	households  []*household
	persons     []*person
	employers   []*employer
	emp         []*empRow
	si          []*siRow
	assets      []*assetRow
}

// date returns midnight UTC of a calendar date.
func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ageOn returns the age in whole years on day d of someone born on b.
func ageOn(b, d time.Time) int {
	a := d.Year() - b.Year()
	if d.Month() < b.Month() || d.Month() == b.Month() && d.Day() < b.Day() {
		a--
	}
	return a
}

// inWindow reports whether month (y, m) is one of the income months.
func (w *world) inWindow(y int, m time.Month) bool {
	for _, t := range w.window {
		if t.Year() == y && t.Month() == m {
			return true
		}
	}
	return false
}

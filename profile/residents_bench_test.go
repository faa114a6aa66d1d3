package profile

import (
	"fmt"
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/schema"
)

// BenchmarkHouseholdResidents builds the residents of a cached household of
// four (person, six payroll months each, a pension, a deposit and a health
// record for some): what a check answered from the read cache costs in Go
// before the rules run. No ClickHouse. Run:
// go test -run '^$' -bench HouseholdResidents -benchmem ./profile/
func BenchmarkHouseholdResidents(b *testing.B) {
	p := syntheticHousehold(4)
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	app := benchID(1)
	b.ReportAllocs()
	for b.Loop() {
		ids := p.candidates(app)
		byID, err := p.residents(ids, asOf)
		if err != nil || len(byID) != 4 || byID[app].Person == nil {
			b.Fatalf("%d residents, %v", len(byID), err)
		}
	}
}

// syntheticHousehold returns the point rows of one household of n members.
func syntheticHousehold(n int) *pointRows {
	p := &pointRows{byID: map[string][]dsRow{}, byHousehold: map[string][]string{}}
	st := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	row := func(def *facts.Def, id, key string, month int) dsRow {
		var vals []string
		for _, f := range valueFields(def) {
			switch {
			case f.Name == "household_id":
				vals = append(vals, "H0000001")
			case f.Name == "period":
				vals = append(vals, st.AddDate(0, -month, 0).Format(time.DateOnly))
			case f.Kind == schema.KindFen || f.Kind == schema.KindInt:
				vals = append(vals, "123456")
			case f.Kind == schema.KindBool:
				vals = append(vals, "0")
			case f.Kind == schema.KindDateTime:
				vals = append(vals, "1700000000")
			case f.Kind == schema.KindMonth || f.Kind == schema.KindDate:
				vals = append(vals, "1990-05-01")
			default:
				vals = append(vals, "normal")
			}
		}
		return dsRow{ds: def.Name, id: id, vals: vals, bk: bookkeeping{source: def.Name, recordKey: key, sourceTime: st, ingestTime: st}}
	}
	for i := 1; i <= n; i++ {
		id := benchID(i)
		rows := []dsRow{row(facts.Person(), id, id, 0)}
		for m := 1; m <= 6; m++ {
			rows = append(rows, row(mustDef("employment"), id, fmt.Sprintf("%s|%d", id, m), m))
		}
		if i%2 == 1 {
			rows = append(rows, row(mustDef("social_insurance"), id, id+"|p", 0), row(mustDef("asset"), id, id+"|d", 0))
		}
		if i == n {
			rows = append(rows, row(mustDef("health"), id, id+"|h", 0))
		}
		p.byID[id] = rows
		p.byHousehold["H0000001"] = append(p.byHousehold["H0000001"], id)
	}
	return p
}

func mustDef(name string) *facts.Def {
	d, ok := facts.DefOf(name)
	if !ok {
		panic("no dataset " + name)
	}
	return d
}

package bench

import "github.com/residenthub/residenthub/demo"

// person is a resident the clients ask about: ID number and name as the
// truth has them.
type person struct{ id, name string }

// sample is what the checks and freshness parts need of the truth: real
// residents, spread over the whole district.
type sample struct {
	applicants []person // heads of households (dibao)
	residents  []person // residents with status normal (certificate, profile, freshness)
}

// newSample takes up to n household heads and n residents of status
// normal, evenly spaced over the truth.
func newSample(t *demo.Truth, n int) *sample {
	s := &sample{}
	want := map[string]bool{}
	step := max(1, len(t.Households)/n)
	for i := 0; i < len(t.Households) && len(want) < n; i += step {
		if id := t.Households[i].ApplicantID; id != "" {
			want[id] = true
		}
	}
	step = max(1, len(t.Residents)/n)
	for i, res := range t.Residents {
		if want[res.IDNumber] {
			s.applicants = append(s.applicants, person{res.IDNumber, res.Name})
		}
		if i%step == 0 && len(s.residents) < n && res.Status == "normal" {
			s.residents = append(s.residents, person{res.IDNumber, res.Name})
		}
	}
	return s
}

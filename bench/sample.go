package bench

// person is a resident the clients ask about: ID number and name as the
// truth has them.
type person struct{ id, name string }

// sample is what the checks and freshness parts need of the truth: real
// residents, spread over the whole district.
type sample struct {
	applicants []person // heads of households (dibao)
	residents  []person // residents with status normal (certificate, profile, freshness)
}

package store

import (
	"strings"
	"testing"
)

// TestPseudonymizerMatchesPseudonym: the reusable form gives Pseudonym's
// answer for every value, in any order, under short and long salts.
func TestPseudonymizerMatchesPseudonym(t *testing.T) {
	values := []string{"", "11010519450303102X", "11010519450303102x", "110105450303102", "张三|2026-11", strings.Repeat("k", 300)}
	for _, salt := range []string{"", "s", "pseudonym-salt", strings.Repeat("salt", 40)} {
		p := NewPseudonymizer(salt)
		for _, v := range append(values, values...) {
			if got, want := p.Of(v), Pseudonym(salt, v); got != want {
				t.Errorf("salt %q, value %q: Of = %s, Pseudonym = %s", salt, v, got, want)
			}
		}
	}
}

func FuzzPseudonymizer(f *testing.F) {
	f.Add("salt", "11010519450303102X")
	f.Fuzz(func(t *testing.T, salt, value string) {
		if got, want := NewPseudonymizer(salt).Of(value), Pseudonym(salt, value); got != want {
			t.Fatalf("Of = %s, Pseudonym = %s", got, want)
		}
	})
}

func BenchmarkPseudonymizer(b *testing.B) {
	p := NewPseudonymizer("pseudonym-salt")
	for i := 0; i < b.N; i++ {
		_ = p.Of("110105198401136822|2026-04")
	}
}

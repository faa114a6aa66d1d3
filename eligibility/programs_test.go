package eligibility

import "testing"

// TestPrograms runs every embedded program file's own test cases.
func TestPrograms(t *testing.T) {
	reg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.List()) == 0 {
		t.Fatal("no programs")
	}
	for _, p := range reg.List() {
		t.Run(p.ID, func(t *testing.T) {
			if len(p.Tests) == 0 {
				t.Fatalf("%s has no test cases", p.File)
			}
			for _, err := range p.RunTests() {
				t.Error(err)
			}
		})
	}
}

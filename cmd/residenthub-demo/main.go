// Command residenthub-demo writes the demo district (internal/demo): the
// department extracts under <out>/drop/<source>/, the truth the generator
// used in <out>/truth.json, and <out>/example.env naming the head of a
// household the truth says is dibao-eligible (for the demo's curl commands).
// It is not part of the hub: residenthub never links the generator.
//
//	residenthub-demo -out var/demo [-seed 1] [-households 2000] [-as-of 2026-11-29]
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/residenthub/residenthub/internal/demo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "residenthub-demo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("residenthub-demo", flag.ExitOnError)
	out := fs.String("out", "var/demo", "output folder (drop folders under <out>/drop, truth in <out>/truth.json)")
	seed := fs.Int64("seed", 1, "random seed (same seed and as-of give the same files)")
	households := fs.Int("households", demo.DefaultHouseholds, "number of households")
	asOf := fs.String("as-of", "", "check date the truth is computed for, YYYY-MM-DD (default: today, Asia/Shanghai)")
	_ = fs.Parse(args)
	opts := demo.Options{Dir: *out, Seed: *seed, Households: *households}
	if *asOf != "" {
		d, err := time.Parse("2006-01-02", *asOf)
		if err != nil {
			return fmt.Errorf("-as-of %q: want YYYY-MM-DD", *asOf)
		}
		opts.AsOf = d
	}
	truth, err := demo.Generate(opts)
	if err != nil {
		return err
	}
	sum := truth.Summary
	fmt.Printf("demo district %s as of %s: %d residents in %d households, %d invalid records; expected dibao decisions %v\n",
		truth.District, truth.AsOf, sum.Residents, sum.Households, sum.Invalid, sum.Decisions)
	for _, f := range truth.Files {
		fmt.Printf("  %-18s %-6s %-8s %6d records  %s\n", f.Source, f.Format, f.Encoding, f.Records, filepath.Join(*out, f.Path))
	}
	return writeExample(*out, truth)
}

// writeExample writes <out>/example.env naming the head of a household the
// dibao rules find eligible, for the demo's curl commands (the hub answers
// needs_review while the standard is overdue for review).
func writeExample(out string, truth *demo.Truth) error {
	names := map[string]string{}
	for _, r := range truth.Residents {
		names[r.IDNumber] = r.Name
	}
	for _, h := range truth.Households {
		if h.RulesDecision == "eligible" && names[h.ApplicantID] != "" {
			name := names[h.ApplicantID]
			env := fmt.Sprintf("EXAMPLE_ID=%s\nEXAMPLE_NAME='%s'\nEXAMPLE_NAME_URL='%s'\nEXAMPLE_HOUSEHOLD=%s\n", h.ApplicantID, name, url.QueryEscape(name), h.HouseholdID)
			if err := os.WriteFile(filepath.Join(out, "example.env"), []byte(env), 0o644); err != nil {
				return fmt.Errorf("cannot write example.env: %w", err)
			}
			return nil
		}
	}
	return errors.New("cannot write example.env: the truth has no dibao-eligible household to show")
}

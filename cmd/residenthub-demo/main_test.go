package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun writes a small district and the example for the demo's curl
// commands: the head of a household the truth says is dibao-eligible.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-out", dir, "-households", "60", "-as-of", "2026-11-29"}); err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(filepath.Join(dir, "example.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EXAMPLE_ID=", "EXAMPLE_NAME='", "EXAMPLE_NAME_URL='", "EXAMPLE_HOUSEHOLD="} {
		if !strings.Contains(string(env), want) {
			t.Errorf("example.env lacks %s:\n%s", want, env)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-out", dir, "-as-of", "29.11.2026"}); err == nil || !strings.Contains(err.Error(), "want YYYY-MM-DD") {
		t.Fatalf("bad -as-of: %v", err)
	}
}

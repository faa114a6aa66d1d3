package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of `residenthub run` to the file
// named by RESIDENTHUB_CPUPROFILE (unset: none), for measuring where an
// ingest spends its time (go tool pprof). The returned function stops it.
func startCPUProfile() (stop func(), err error) {
	path := os.Getenv("RESIDENTHUB_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

package main

import (
	"os"
	"runtime/debug"
)

// Memory defaults of `residenthub run`: the pipelines hold at most
// pipelines.max_in_flight messages (live heap about 220 MiB at the default
// 120,000 under full load, more while large batches are being stored), so
// the garbage collector may let the heap grow to 3× the live data (GOGC=200,
// less collection work per record) but never past a soft limit of 360 MiB
// (GOMEMLIMIT), which keeps the process well under 512 MiB.
// The GOGC and GOMEMLIMIT environment variables override either.
const (
	defaultGCPercent   = 200
	defaultMemoryLimit = 360 << 20
)

func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

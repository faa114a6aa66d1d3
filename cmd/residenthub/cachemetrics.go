package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/profile"
)

// registerCacheMetrics exports the read cache's counters
// (residenthub_read_cache_*_total).
func registerCacheMetrics(reg prometheus.Registerer, r *profile.Reader) {
	for _, c := range []struct {
		name, help string
		get        func(profile.CacheStats) uint64
	}{
		{"hits", "Person reads answered from the API process's read cache.", func(s profile.CacheStats) uint64 { return s.Hits }},
		{"misses", "Person reads that asked ClickHouse while the read cache served.", func(s profile.CacheStats) uint64 { return s.Misses }},
		{"polls", "Polls of system.parts by the read cache.", func(s profile.CacheStats) uint64 { return s.Polls }},
		{"poll_errors", "Polls of the read cache that failed (it stops serving after a second without a good one).", func(s profile.CacheStats) uint64 { return s.PollErrors }},
		{"clears", "Polls that emptied the read cache (a merge with unseen rows, a mutation, a bulk load).", func(s profile.CacheStats) uint64 { return s.Clears }},
	} {
		get := c.get
		_ = reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "residenthub_read_cache_" + c.name + "_total", Help: c.help},
			func() float64 { return float64(get(r.CacheStats())) }))
	}
}

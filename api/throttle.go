package api

import (
	"crypto/sha256"
	"sync"
	"time"
)

// nameThrottle counts names that did not match the ID number they were
// given with, per API key (caller name) and per subject (ID number, kept
// only as its SHA-256), in a sliding window. Past limit mismatches in the
// window, on either count, name-checked reads by that key or of that person
// answer 429 until the oldest mismatch leaves the window — a correct name
// included, so a guesser learns nothing from the answer. The counts live in
// this process's memory: each API replica throttles on its own (a guesser
// spread over n replicas gets n × limit tries per window).
type nameThrottle struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	byKey    map[string][]time.Time
	bySubj   map[[32]byte][]time.Time
	recorded int // mismatches since the last sweep of expired entries
}

func newNameThrottle(limit int, window time.Duration, now func() time.Time) *nameThrottle {
	if limit < 1 {
		limit = 5
	}
	if window <= 0 {
		window = 15 * time.Minute
	}
	return &nameThrottle{limit: limit, window: window, now: now,
		byKey: map[string][]time.Time{}, bySubj: map[[32]byte][]time.Time{}}
}

// blocked reports whether key or subject is throttled now, and for how long
// still (until enough mismatches leave the window).
func (t *nameThrottle) blocked(key, subject string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(t.waitLocked(now, t.byKey[key]), t.waitLocked(now, t.bySubj[sha256.Sum256([]byte(subject))]))
	return wait > 0, wait
}

// waitLocked is how long until fewer than limit of times are in the window.
func (t *nameThrottle) waitLocked(now time.Time, times []time.Time) time.Duration {
	live := times[len(times)-min(len(times), t.limit):] // the newest limit ones
	if len(live) < t.limit {
		return 0
	}
	return max(0, live[0].Add(t.window).Sub(now))
}

// mismatch records one wrong name given by key for subject.
func (t *nameThrottle) mismatch(key, subject string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.byKey[key] = t.keep(now, append(t.byKey[key], now))
	h := sha256.Sum256([]byte(subject))
	t.bySubj[h] = t.keep(now, append(t.bySubj[h], now))
	if t.recorded++; t.recorded >= 4096 {
		t.recorded = 0
		sweep(t, t.byKey, now)
		sweep(t, t.bySubj, now)
	}
}

// keep drops times that left the window and all but the newest limit.
func (t *nameThrottle) keep(now time.Time, times []time.Time) []time.Time {
	i := 0
	for i < len(times) && (now.Sub(times[i]) >= t.window || len(times)-i > t.limit) {
		i++
	}
	return times[i:]
}

// sweep forgets keys whose mismatches all left the window, so the maps stay
// as small as the guessing of the last window.
func sweep[K comparable](t *nameThrottle, m map[K][]time.Time, now time.Time) {
	for k, times := range m {
		if times = t.keep(now, times); len(times) == 0 {
			delete(m, k)
		} else {
			m[k] = times
		}
	}
}

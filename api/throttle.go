package api

import (
	"cmp"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/residenthub/residenthub/config"
)

// nameThrottle counts names that did not match the ID number they were
// given with, per API key (caller name) and per subject (ID number, kept
// only as its SHA-256), in a sliding window. Past limit mismatches in the
// window, on either count, name-checked reads by that key or of that person
// answer 429 until enough mismatches leave the window — a correct name
// included, so a guesser learns nothing from the answer. The counts live in
// this process's memory: each API replica throttles on its own (a guesser
// spread over n replicas gets n times the tries per window).
type nameThrottle struct {
	perKey, perPerson int
	window            time.Duration
	now               func() time.Time

	mu       sync.Mutex
	byKey    map[string][]time.Time
	bySubj   map[[32]byte][]time.Time
	recorded int // mismatches since the last sweep of expired entries
}

func newNameThrottle(c config.NameMismatches, now func() time.Time) *nameThrottle {
	d := config.Default().HTTP.NameMismatches
	t := &nameThrottle{perKey: cmp.Or(c.PerKey, d.PerKey), perPerson: cmp.Or(c.PerPerson, d.PerPerson), window: cmp.Or(c.Window, d.Window), now: now,
		byKey: map[string][]time.Time{}, bySubj: map[[32]byte][]time.Time{}}
	return t
}

// blocked reports whether key or subject is throttled now, and for how long
// still (until enough mismatches leave the window).
func (t *nameThrottle) blocked(key, subject string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(t.waitLocked(now, t.byKey[key], t.perKey), t.waitLocked(now, t.bySubj[sha256.Sum256([]byte(subject))], t.perPerson))
	return wait > 0, wait
}

// waitLocked is how long until fewer than limit of times are in the window.
func (t *nameThrottle) waitLocked(now time.Time, times []time.Time, limit int) time.Duration {
	live := times[len(times)-min(len(times), limit):] // the newest limit ones
	if len(live) < limit {
		return 0
	}
	return max(0, live[0].Add(t.window).Sub(now))
}

// mismatch records one wrong name given by key for subject.
func (t *nameThrottle) mismatch(key, subject string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.byKey[key] = t.keep(now, append(t.byKey[key], now), t.perKey)
	h := sha256.Sum256([]byte(subject))
	t.bySubj[h] = t.keep(now, append(t.bySubj[h], now), t.perPerson)
	if t.recorded++; t.recorded >= 4096 {
		t.recorded = 0
		sweep(t, t.byKey, now, t.perKey)
		sweep(t, t.bySubj, now, t.perPerson)
	}
}

// keep drops times that left the window and all but the newest limit.
func (t *nameThrottle) keep(now time.Time, times []time.Time, limit int) []time.Time {
	i := 0
	for i < len(times) && (now.Sub(times[i]) >= t.window || len(times)-i > limit) {
		i++
	}
	return times[i:]
}

// sweep forgets keys whose mismatches all left the window, so the maps stay
// as small as the guessing of the last window.
func sweep[K comparable](t *nameThrottle, m map[K][]time.Time, now time.Time, limit int) {
	for k, times := range m {
		if times = t.keep(now, times, limit); len(times) == 0 {
			delete(m, k)
		} else {
			m[k] = times
		}
	}
}

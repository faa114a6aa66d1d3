// Package retry is the hub's one backoff helper: the pause between attempts
// at something that may succeed later (a ClickHouse insert while the server
// is down, a Kafka commit during a rebalance, migrations at start).
//
// Pauses double from Min up to Max; with Jitter each pause is drawn from
// [d/2, d) so that many processes retrying one server do not retry in step.
//
//	b := retry.New(100*time.Millisecond, 30*time.Second)
//	for {
//		if err := try(); err == nil {
//			break
//		}
//		if !b.Wait(ctx) {
//			return ctx.Err()
//		}
//	}
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff hands out the pauses of one sequence of attempts. The zero value
// is not usable; create it with New. Not safe for concurrent use.
type Backoff struct {
	// Min is the first pause, Max the longest.
	Min, Max time.Duration
	// Jitter draws each pause from [d/2, d) instead of d.
	Jitter bool
	next   time.Duration
}

// New returns a backoff that pauses first, 2·first, 4·first, … up to
// longest (longest < first is read as first; first <= 0 as 100 ms).
func New(first, longest time.Duration) *Backoff {
	if first <= 0 {
		first = 100 * time.Millisecond
	}
	return &Backoff{Min: first, Max: max(longest, first)}
}

// Next returns the next pause and doubles the one after it, up to Max.
func (b *Backoff) Next() time.Duration {
	if b.next < b.Min {
		b.next = b.Min
	}
	d := min(b.next, b.Max)
	if b.next < b.Max {
		b.next *= 2
	}
	if b.Jitter && d > 1 {
		d = d/2 + rand.N(d-d/2)
	}
	return d
}

// Reset makes the next pause Min again (after a success).
func (b *Backoff) Reset() { b.next = 0 }

// Wait sleeps for the next pause; it returns false, at once, when ctx ends
// first.
func (b *Backoff) Wait(ctx context.Context) bool {
	return Sleep(ctx, b.Next())
}

// Sleep pauses for d; it returns false when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

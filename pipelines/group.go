package pipelines

import (
	"context"
	"sync"
	"time"
)

// bookkeepingSpacing is the pipelines' groupInsert.spacing for the intake
// rows and the rejects: at most two such INSERTs a second each, unless a
// round holds pipelines.batch_rows rows.
const bookkeepingSpacing = 500 * time.Millisecond

// groupInsert combines the rows that the datasets' lanes store at the same
// time into one bookkeeping table into one INSERT (group commit). Every
// lane writes a few thousand rows per batch into intake_history and a few
// into rejects; separate INSERTs made one small part per batch and
// dataset, each merged again and again by ClickHouse.
//
// While one INSERT runs, the rows added meanwhile wait in the next round,
// sent as soon as it returns, by one of that round's own callers (woken
// for it); so a batch waits at most for the INSERT in progress and its
// own, an idle pipeline inserts at once, and no caller sends rounds other
// than its own. A failed INSERT fails every batch in it, and each retries
// its step (the rows are idempotent: ReplacingMergeTree).
//
// Rounds are also spaced: a round that is not full yet is sent no sooner
// than spacing after the start of the INSERT before it, and keeps
// collecting until then. Under load the lanes reach the bookkeeping step one
// after the other, each just after the INSERT before returned, so without
// spacing nearly every round held one batch: in a pipelines-only load of
// the 1,000,000-resident district, intake_history got as many parts as all
// dataset tables together (1,380 in 120 s), and ClickHouse merged each row
// four times over. A batch's store waits at most spacing longer for it (its
// dataset rows are written beside, so nothing is read later); an idle
// pipeline's insert goes at once.
type groupInsert[T any] struct {
	join func(into, rows T) T                    // appends rows to into
	send func(ctx context.Context, rows T) error // one INSERT
	// spacing is the least time from one INSERT's start to the next one's,
	// unless full says the round is large enough to go at once when its
	// turn comes (0: none).
	spacing time.Duration
	full    func(rows T) bool

	mu       sync.Mutex
	next     *groupRound[T] // collecting; nil when none
	sending  bool           // an INSERT is running (or its round's lead is due)
	lastSent time.Time      // when the last INSERT started
}

type groupRound[T any] struct {
	rows T
	done chan struct{} // closed when its INSERT returned; err is then set
	err  error
	lead chan struct{} // (1) the INSERT before returned: a caller sends this round
}

// Add hands over a batch's rows and returns once an INSERT holding them
// returned, with its error (or with ctx's error when ctx ends first; the
// rows may still be sent with the others of their round).
func (g *groupInsert[T]) Add(ctx context.Context, rows T) error {
	g.mu.Lock()
	if g.next == nil {
		g.next = &groupRound[T]{done: make(chan struct{}), lead: make(chan struct{}, 1)}
	}
	mine := g.next
	mine.rows = g.join(mine.rows, rows)
	if g.sending {
		g.mu.Unlock()
		select {
		case <-mine.done:
			return mine.err
		case <-mine.lead: // the INSERT before returned: send this round
		case <-ctx.Done():
			// Leave the turn to send, if it came, to the round's other
			// callers (or to the next caller of Add, who joins the round).
			select {
			case <-mine.lead:
				mine.lead <- struct{}{}
			default:
			}
			return ctx.Err()
		}
		g.mu.Lock()
	}
	g.sending = true
	// Until it is sent, the round stays g.next: later batches join it.
	if wait := g.spacing - time.Since(g.lastSent); wait > 0 && (g.full == nil || !g.full(mine.rows)) {
		g.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			mine.lead <- struct{}{} // the turn to send goes to the round's other callers
			return ctx.Err()
		}
		g.mu.Lock()
	}
	g.next = nil // mine
	g.lastSent = time.Now()
	g.mu.Unlock()
	mine.err = g.send(ctx, mine.rows)
	close(mine.done)
	g.mu.Lock()
	if g.next != nil {
		g.next.lead <- struct{}{}
	} else {
		g.sending = false
	}
	g.mu.Unlock()
	return mine.err
}

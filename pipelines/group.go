package pipelines

import (
	"context"
	"sync"
)

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
type groupInsert[T any] struct {
	join func(into, rows T) T                    // appends rows to into
	send func(ctx context.Context, rows T) error // one INSERT

	mu      sync.Mutex
	next    *groupRound[T] // collecting; nil when none
	sending bool           // an INSERT is running (or its round's lead is due)
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
	g.next = nil // mine: a round waits for its lead while it is g.next
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

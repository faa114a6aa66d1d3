package pipelines

import (
	"context"
	"sync"
)

// groupInsert combines the rows that the datasets' lanes store at the same
// time into one bookkeeping table into one INSERT (group commit). Every
// lane writes a few thousand rows per batch into intake_history and a few
// into rejects; separate INSERTs made one part each, which ClickHouse then
// merged again and again (about 4 × the rows, the most merge work of any
// table in the pipelines-only bench).
//
// Add hands over a batch's rows and returns once an INSERT holding them
// returned, with its error. While one INSERT runs, the rows added meanwhile
// wait and go together in the next one, started as soon as it returns; so
// a batch waits at most for the INSERT in progress and its own, and an idle
// pipeline inserts at once. A failed INSERT fails every batch in it, and
// each retries its step (the rows are idempotent: ReplacingMergeTree).
type groupInsert[T any] struct {
	join func(into, rows T) T                    // appends rows to into
	send func(ctx context.Context, rows T) error // one INSERT

	mu      sync.Mutex
	next    *groupRound[T] // collecting; nil when none
	sending bool           // a caller is running the INSERTs
}

type groupRound[T any] struct {
	rows T
	done chan struct{}
	err  error
}

// Add inserts rows with whatever other callers add meanwhile. The caller
// that finds no INSERT running sends the rounds, under its ctx, until none
// is left (when its ctx ends, the waiting round fails with ctx's error);
// the others wait for theirs (or for their ctx).
func (g *groupInsert[T]) Add(ctx context.Context, rows T) error {
	g.mu.Lock()
	if g.next == nil {
		g.next = &groupRound[T]{done: make(chan struct{})}
	}
	mine := g.next
	mine.rows = g.join(mine.rows, rows)
	if g.sending {
		g.mu.Unlock()
		select {
		case <-mine.done:
			return mine.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	g.sending = true
	for {
		round := g.next
		g.next = nil
		g.mu.Unlock()
		round.err = g.send(ctx, round.rows)
		close(round.done)
		g.mu.Lock()
		if g.next != nil && ctx.Err() != nil {
			// This caller is cancelled: fail the waiting round, whose
			// callers retry their steps (none waits for a sender).
			left := g.next
			g.next = nil
			left.err = ctx.Err()
			close(left.done)
		}
		if g.next == nil {
			g.sending = false
			g.mu.Unlock()
			return mine.err
		}
	}
}

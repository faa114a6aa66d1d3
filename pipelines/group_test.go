package pipelines

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a groupInsert send that records each INSERT's rows and waits
// for release before returning err.
type recorder struct {
	mu      sync.Mutex
	sent    [][]int
	started chan struct{}
	release chan error
}

func newRecorder() *recorder {
	return &recorder{started: make(chan struct{}, 16), release: make(chan error)}
}

func (r *recorder) send(_ context.Context, rows []int) error {
	r.mu.Lock()
	r.sent = append(r.sent, slices.Clone(rows))
	r.mu.Unlock()
	r.started <- struct{}{}
	return <-r.release
}

func newGroup(r *recorder) *groupInsert[[]int] {
	return &groupInsert[[]int]{join: func(into, rows []int) []int { return append(into, rows...) }, send: r.send}
}

// recv returns the next error from ch, failing the test after 10 s.
func recv(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Add did not return")
		return nil
	}
}

// waitRound waits until the round collecting holds n rows, failing the
// test after 10 s.
func waitRound(t *testing.T, g *groupInsert[[]int], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		got := 0
		if g.next != nil {
			got = len(g.next.rows)
		}
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the waiting round holds %d rows, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitFor(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no INSERT started")
	}
}

// The rows added while an INSERT runs go together in the next one, and
// every caller gets its own INSERT's error.
func TestGroupInsertJoinsWaitingRows(t *testing.T) {
	rec := newRecorder()
	g := newGroup(rec)
	ctx := context.Background()
	errs := make(chan error, 4)
	go func() { errs <- g.Add(ctx, []int{1}) }()
	waitFor(t, rec.started) // the first INSERT runs alone
	var joined sync.WaitGroup
	for _, v := range []int{2, 3, 4} {
		joined.Add(1)
		go func() { joined.Done(); errs <- g.Add(ctx, []int{v}) }()
	}
	joined.Wait()
	// Let the three reach the round before the first INSERT returns.
	waitRound(t, g, 3)
	rec.release <- nil
	waitFor(t, rec.started)
	failed := errors.New("ClickHouse is down")
	rec.release <- failed
	var got []error
	for range 4 {
		got = append(got, recv(t, errs))
	}
	if len(rec.sent) != 2 || !slices.Equal(rec.sent[0], []int{1}) {
		t.Fatalf("INSERTs %v, want [1] then the other three together", rec.sent)
	}
	second := slices.Clone(rec.sent[1])
	slices.Sort(second)
	if !slices.Equal(second, []int{2, 3, 4}) {
		t.Fatalf("second INSERT %v, want 2, 3, 4", rec.sent[1])
	}
	nils, fails := 0, 0
	for _, err := range got {
		switch {
		case err == nil:
			nils++
		case errors.Is(err, failed):
			fails++
		}
	}
	if nils != 1 || fails != 3 {
		t.Fatalf("errors %v, want one nil and three of the failed INSERT", got)
	}
	// Idle again: the next caller inserts at once, alone.
	go func() { errs <- g.Add(ctx, []int{5}) }()
	waitFor(t, rec.started)
	rec.release <- nil
	if err := recv(t, errs); err != nil || !slices.Equal(rec.sent[2], []int{5}) {
		t.Fatalf("after the rounds: %v, %v", err, rec.sent)
	}
}

// A round is sent by one of its own callers: the caller whose INSERT
// returned does not go on sending the rounds that filled meanwhile, even
// when its context has ended.
func TestGroupInsertHandsTheNextRoundToItsCallers(t *testing.T) {
	rec := newRecorder()
	g := newGroup(rec)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- g.Add(ctx, []int{1}) }()
	waitFor(t, rec.started)
	second := make(chan error, 1)
	go func() { second <- g.Add(context.Background(), []int{2}) }()
	waitRound(t, g, 1)
	cancel()
	rec.release <- context.Canceled
	if err := recv(t, first); !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v", err)
	}
	waitFor(t, rec.started) // the second round, sent by its own caller
	select {
	case err := <-second:
		t.Fatalf("the second caller returned %v before its INSERT", err)
	default:
	}
	rec.release <- nil
	if err := recv(t, second); err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if len(rec.sent) != 2 || !slices.Equal(rec.sent[1], []int{2}) {
		t.Fatalf("INSERTs %v, want [1] then [2]", rec.sent)
	}
}

// A caller that gives up while its round waits leaves the round to be sent
// with the next caller's rows; nobody waits forever.
func TestGroupInsertCallerGivingUpLeavesTheRound(t *testing.T) {
	rec := newRecorder()
	g := newGroup(rec)
	first := make(chan error, 1)
	go func() { first <- g.Add(context.Background(), []int{1}) }()
	waitFor(t, rec.started)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- g.Add(ctx, []int{2}) }()
	waitRound(t, g, 1)
	cancel()
	if err := recv(t, second); !errors.Is(err, context.Canceled) {
		t.Fatalf("second caller: %v", err)
	}
	rec.release <- nil
	if err := recv(t, first); err != nil {
		t.Fatal(err)
	}
	third := make(chan error, 1)
	go func() { third <- g.Add(context.Background(), []int{3}) }()
	waitFor(t, rec.started)
	rec.release <- nil
	if err := recv(t, third); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 2 || !slices.Equal(rec.sent[1], []int{2, 3}) {
		t.Fatalf("INSERTs %v, want [1] then [2 3]", rec.sent)
	}
}

// A round that is not full waits until spacing after the INSERT before it
// started, collecting the rows added meanwhile; a full one goes at once; a
// caller whose context ends while its round waits hands the turn on.
func TestGroupInsertSpacing(t *testing.T) {
	rec := newRecorder()
	g := newGroup(rec)
	g.spacing = 300 * time.Millisecond
	g.full = func(rows []int) bool { return len(rows) >= 10 }
	ctx := context.Background()
	add := func(ctx context.Context, rows ...int) <-chan error {
		done := make(chan error, 1)
		go func() { done <- g.Add(ctx, rows) }()
		return done
	}

	first := add(ctx, 1) // idle: at once
	waitFor(t, rec.started)
	t0 := time.Now()
	rec.release <- nil
	if err := recv(t, first); err != nil {
		t.Fatal(err)
	}
	second := add(ctx, 2)
	waitRound(t, g, 1)
	third := add(ctx, 3) // joins the waiting round
	waitFor(t, rec.started)
	if waited := time.Since(t0); waited < g.spacing {
		t.Errorf("the second INSERT started %s after the first, want at least %s", waited, g.spacing)
	}
	rec.release <- nil
	if err := errors.Join(recv(t, second), recv(t, third)); err != nil {
		t.Fatal(err)
	}

	full := add(ctx, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13) // ten rows: at once
	waitFor(t, rec.started)
	rec.release <- nil
	if err := recv(t, full); err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	leaving := add(cctx, 14)
	waitRound(t, g, 1)
	staying := add(ctx, 15)
	waitRound(t, g, 2)
	cancel()
	if err := recv(t, leaving); !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller whose context ended got %v", err)
	}
	waitFor(t, rec.started) // the other caller of the round sends it
	rec.release <- nil
	if err := recv(t, staying); err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1}, {2, 3}, {4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, {14, 15}}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !slices.EqualFunc(rec.sent, want, slices.Equal) {
		t.Errorf("INSERTs %v, want %v", rec.sent, want)
	}
}

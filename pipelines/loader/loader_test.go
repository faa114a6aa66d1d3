package loader

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/segmentio/kafka-go"
)

// broker starts an embedded broker with the topics (3 partitions each) and
// returns its addresses.
func broker(t *testing.T, topics ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if err := bus.EnsureTopics(ctx, e.Brokers(), 3, topics...); err != nil {
		t.Fatal(err)
	}
	return e.Brokers()
}

// feed starts an embedded broker, writes n messages to each topic (key =
// value = "<topic>/<i>", spread over 3 partitions) and returns the brokers.
func feed(t *testing.T, n int, topics ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	brokers := broker(t, topics...)
	w := bus.NewWriter(brokers)
	defer w.Close()
	var msgs []kafka.Message
	for _, topic := range topics {
		for i := range n {
			v := topic + "/" + strconv.Itoa(i)
			msgs = append(msgs, kafka.Message{Topic: topic, Key: []byte(v), Value: []byte(v)})
		}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	return brokers
}

// sink is a Store that records what it stored, in order, per partition.
type sink struct {
	mu       sync.Mutex
	stored   map[string][]int64 // "topic/partition" → offsets stored, in order
	values   map[string]int     // value → times stored
	fail     atomic.Int32       // fail this many more Store calls
	inFlight atomic.Int64       // fetched, not committed (Fetched/Released)
	maxSeen  atomic.Int64
}

type prepared struct {
	lane int
	msgs []Message
}

func newSink() *sink { return &sink{stored: map[string][]int64{}, values: map[string]int{}} }

func (s *sink) config(brokers []string, topics ...string) Config[prepared] {
	lanes := map[string]int{}
	for i, t := range topics {
		lanes[t] = i
	}
	return Config[prepared]{
		Brokers: brokers, GroupID: "g-" + strconv.FormatInt(time.Now().UnixNano(), 36), Topics: topics,
		Lanes: len(topics), LaneOf: func(t string) int { return lanes[t] },
		BatchRows: 40, Linger: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Prepare: func(lane int, msgs []Message) prepared {
			return prepared{lane: lane, msgs: append([]Message(nil), msgs...)}
		},
		Store: func(ctx context.Context, p prepared) error {
			if s.fail.Add(-1) >= 0 {
				return errors.New("store down")
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, m := range p.msgs {
				k := fmt.Sprintf("%s/%d", m.Topic, m.Partition)
				s.stored[k] = append(s.stored[k], m.Offset)
				s.values[string(m.Value)]++
			}
			return nil
		},
		Fetched: func(*Message) {
			n := s.inFlight.Add(1)
			if n > s.maxSeen.Load() {
				s.maxSeen.Store(n)
			}
		},
		Released: func(n int) { s.inFlight.Add(-int64(n)) },
	}
}

// runUntil runs the loop until every value of the topics was stored once
// (or the deadline), then stops it and returns Run's error.
func (s *sink) runUntil(t *testing.T, cfg Config[prepared], want int) error {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := len(s.values)
		s.mu.Unlock()
		if n >= want && s.inFlight.Load() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of cancel")
	}
	return nil
}

// TestOrderRetryAndCommit: every message is stored, in partition order,
// after a store failure is retried; a second run of the same group finds
// everything committed.
func TestOrderRetryAndCommit(t *testing.T) {
	topics := []string{"raw.a", "raw.b"}
	brokers := feed(t, 300, topics...)
	s := newSink()
	s.fail.Store(3)
	cfg := s.config(brokers, topics...)
	if err := s.runUntil(t, cfg, 600); err != nil {
		t.Fatal(err)
	}
	for v, n := range s.values {
		if n != 1 {
			t.Fatalf("%s stored %d times", v, n)
		}
	}
	if len(s.values) != 600 {
		t.Fatalf("stored %d values, want 600", len(s.values))
	}
	for p, offs := range s.stored {
		for i := 1; i < len(offs); i++ {
			if offs[i] != offs[i-1]+1 {
				t.Fatalf("partition %s stored out of order: %v", p, offs)
			}
		}
	}
	// Everything was committed.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lag, err := bus.GroupLag(ctx, brokers, cfg.GroupID, topics)
	if err != nil {
		t.Fatal(err)
	}
	if lag["raw.a"] != 0 || lag["raw.b"] != 0 {
		t.Fatalf("lag after the run = %v, want 0", lag)
	}
}

// TestInFlightBound: with a store that fails for a while, the loop holds at
// most MaxInFlight messages.
func TestInFlightBound(t *testing.T) {
	brokers := feed(t, 500, "raw.a")
	s := newSink()
	s.fail.Store(8)
	cfg := s.config(brokers, "raw.a")
	cfg.MaxInFlight = 60
	if err := s.runUntil(t, cfg, 500); err != nil {
		t.Fatal(err)
	}
	if len(s.values) != 500 {
		t.Fatalf("stored %d, want 500", len(s.values))
	}
	if m := s.maxSeen.Load(); m > 60 {
		t.Fatalf("%d messages in flight, the bound is 60", m)
	}
}

// TestCrashCommitsNothingMore: a BeforeCommit error stops the loop; what was
// not committed is delivered again to the next run of the group.
func TestCrashCommitsNothingMore(t *testing.T) {
	brokers := feed(t, 200, "raw.a")
	s := newSink()
	cfg := s.config(brokers, "raw.a")
	var calls atomic.Int32
	cfg.BeforeCommit = func() error {
		if calls.Add(1) == 2 {
			return errors.New("killed")
		}
		return nil
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := l.Run(ctx); !errors.Is(err, ErrCrashed) {
		t.Fatalf("Run = %v, want the crash", err)
	}
	first := len(s.values)
	if first == 0 || first == 200 && calls.Load() < 2 {
		t.Fatalf("stored %d before the crash", first)
	}
	// The restart stores at least everything the first run did not commit,
	// and together the two runs stored everything.
	again := newSink()
	cfg2 := again.config(brokers, "raw.a")
	cfg2.GroupID = cfg.GroupID
	deadline := time.Now().Add(30 * time.Second)
	l2, err := New(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l2.Run(ctx2) }()
	for time.Now().Before(deadline) {
		s.mu.Lock()
		again.mu.Lock()
		all := 0
		for i := range 200 {
			v := "raw.a/" + strconv.Itoa(i)
			if s.values[v] > 0 || again.values[v] > 0 {
				all++
			}
		}
		again.mu.Unlock()
		s.mu.Unlock()
		if all == 200 && again.inFlight.Load() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel2()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(again.values) == 0 {
		t.Fatal("the restart stored nothing: the crashed batch was committed")
	}
	for i := range 200 {
		v := "raw.a/" + strconv.Itoa(i)
		if s.values[v]+again.values[v] == 0 {
			t.Fatalf("%s lost", v)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	base := Config[int]{Brokers: []string{"x"}, GroupID: "g", Topics: []string{"t"}, BatchRows: 1, Linger: time.Second,
		Prepare: func(int, []Message) int { return 0 }, Store: func(context.Context, int) error { return nil }}
	if _, err := New(base); err != nil {
		t.Fatal(err)
	}
	bad := base
	bad.LaneOf = func(string) int { return 1 }
	if _, err := New(bad); err == nil {
		t.Fatal("a topic outside the lanes was accepted")
	}
	bad = base
	bad.Store = nil
	if _, err := New(bad); err == nil {
		t.Fatal("no Store accepted")
	}
}

// TestShutdownWhileStoreFails: with the store failing (ClickHouse down) and
// the lanes full, a cancelled Run still returns, after ShutdownTimeout, with
// an error, and commits nothing.
func TestShutdownWhileStoreFails(t *testing.T) {
	brokers := feed(t, 300, "raw.a")
	s := newSink()
	s.fail.Store(1 << 30)
	cfg := s.config(brokers, "raw.a")
	cfg.BatchRows, cfg.MaxInFlight, cfg.ShutdownTimeout = 10, 100, time.Second
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	for s.inFlight.Load() < 30 { // lanes and stages full
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned nil with batches it could not store")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel while the store failed")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if lag, err := bus.GroupLag(ctx2, brokers, cfg.GroupID, []string{"raw.a"}); err == nil && lag["raw.a"] != 300 {
		t.Fatalf("lag %d after a run that stored nothing, want 300", lag["raw.a"])
	}
}

// TestBatchesGrowWhileStoreIsBusy: while a lane's store is busy, its
// lingering messages are not cut into small batches but collected into the
// next one (group commit). The messages trickle in, many lingers apart,
// while the first store is held until every message was fetched: they take
// at most three stores (the held one, one cut beside it, and everything
// else). Cutting every linger would fill the lane's stages and stop
// fetching, so the held store would never be released.
func TestBatchesGrowWhileStoreIsBusy(t *testing.T) {
	const n, chunk = 200, 10
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	brokers := broker(t, "raw.a")
	s := newSink()
	cfg := s.config(brokers, "raw.a")
	cfg.BatchRows, cfg.Linger, cfg.MaxInFlight = 10*n, 10*time.Millisecond, 10*n
	allFetched := make(chan struct{})
	var fetched atomic.Int64
	fetchedFn := cfg.Fetched
	cfg.Fetched = func(m *Message) {
		fetchedFn(m)
		if fetched.Add(1) == n {
			close(allFetched)
		}
	}
	var stores atomic.Int32
	store := cfg.Store
	cfg.Store = func(ctx context.Context, p prepared) error {
		if stores.Add(1) == 1 {
			select {
			case <-allFetched:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return store(ctx, p)
	}
	go func() {
		w := bus.NewWriter(brokers)
		defer w.Close()
		for i := 0; i < n; i += chunk {
			var msgs []kafka.Message
			for j := i; j < i+chunk; j++ {
				v := "raw.a/" + strconv.Itoa(j)
				msgs = append(msgs, kafka.Message{Topic: "raw.a", Key: []byte(v), Value: []byte(v)})
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				return
			}
			time.Sleep(3 * cfg.Linger)
		}
	}()
	if err := s.runUntil(t, cfg, n); err != nil {
		t.Fatal(err)
	}
	if len(s.values) != n {
		t.Fatalf("stored %d values, want %d", len(s.values), n)
	}
	for v, c := range s.values {
		if c != 1 {
			t.Fatalf("%s stored %d times", v, c)
		}
	}
	if got := stores.Load(); got > 3 {
		t.Fatalf("%d stores for %d messages held behind a busy store, want at most 3", got, n)
	}
}

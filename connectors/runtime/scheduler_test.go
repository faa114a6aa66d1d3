package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/residenthub/residenthub/connectors/runtime"
)

// counter is a fake kind: rows 1..total in pages of 10, cursor = last row
// published; rows divisible by 7 have an empty key (DLQ). fail makes Pull fail.
type counter struct {
	total   int
	fail    error
	mu      sync.Mutex
	block   chan struct{}
	started chan struct{}
}

func (c *counter) Pull(ctx context.Context, run *connectors.Run) error {
	if c.started != nil {
		c.started <- struct{}{}
		<-c.block
	}
	if c.fail != nil {
		return c.fail
	}
	from, _ := strconv.Atoi(run.Cursor)
	for from < c.total {
		var rows []connectors.Row
		to := min(from+10, c.total)
		for i := from + 1; i <= to; i++ {
			key := strconv.Itoa(i)
			if i%7 == 0 {
				key = ""
			}
			rows = append(rows, connectors.Row{Values: map[string]any{"id": key, "name": "n" + key, "hh": int64(i)}, Origin: fmt.Sprintf("row %d", i)})
		}
		if err := run.Emit(ctx, rows, strconv.Itoa(to)); err != nil {
			return err
		}
		from = to
	}
	return nil
}

const fakeSources = `
- name: alpha
  kind: fake
  dataset: person
  schedule: "@every 1s"
  key: [id]
  fields: {id_number: id, name: name, household_id: hh}
- name: beta
  kind: fake
  dataset: person
  schedule: "@every 1s"
  key: [id]
  fields: {id_number: id, name: name, household_id: hh}
`

func TestSchedulerPublishesAndCheckpoints(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dataDir := t.TempDir()
	alpha := &counter{total: 25}
	kinds := map[string]connectors.Factory{"fake": func(src *config.Source) (connectors.Puller, error) {
		if src.Name == "alpha" {
			return alpha, nil
		}
		return &counter{fail: errors.New("department offline")}, nil
	}}
	sources := ct.Sources(t, fakeSources)
	fc, err := runtime.NewFileCheckpoints(dataDir + "/checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	// Crash after the first checkpoint: page 2 is published, its checkpoint fails.
	crash := &ct.FailingCheckpoints{Checkpoints: fc, Allow: 1}
	h := ct.NewHarness(t, brokers, dataDir, kinds, crash, sources)
	if err := h.Scheduler.RunNow(ctx, "alpha"); err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("want injected crash, got %v", err)
	}
	if got, _ := fc.Load("alpha"); got != "10" {
		t.Fatalf("checkpoint after crash = %q, want 10", got)
	}

	// "Restart": a new scheduler over the same checkpoints folder.
	reg := prometheus.NewRegistry()
	s, err := runtime.NewScheduler(runtime.SchedulerConfig{Sources: sources, Kinds: kinds, Publisher: h.Publisher, Checkpoints: fc, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st[0].Cursor != "10" {
		t.Fatalf("status cursor after restart = %q", st[0].Cursor)
	}
	if err := s.RunNow(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow(ctx, "beta"); err == nil || !strings.Contains(err.Error(), "department offline") {
		t.Fatalf("beta: %v", err)
	}
	envs := ct.Envelopes(t, ctx, brokers, "alpha")
	counts := ct.CountKeys(envs)
	repeats := 0
	for i := 1; i <= 25; i++ {
		if i%7 == 0 {
			continue
		}
		n := counts[strconv.Itoa(i)]
		if n == 0 {
			t.Fatalf("row %d lost", i)
		}
		repeats += n - 1
	}
	if repeats > 10 {
		t.Fatalf("%d repeats, want at most one page (10)", repeats)
	}
	dead := ct.DeadLetters(t, ctx, brokers, "alpha")
	if len(dead) < 3 || !strings.Contains(dead[0].Reason, `key column "id" is empty`) || dead[0].Partition != -1 {
		t.Fatalf("dead letters: %+v", dead)
	}
	st := s.Status()
	if st[0].Cursor != "25" || st[0].LastSuccess == nil || st[0].LastError != "" || st[0].RowsPulled != int64(25-10-3+1) {
		t.Fatalf("alpha status: %+v", st[0])
	}
	if st[1].Errors != 1 || st[1].LastSuccess != nil || !strings.Contains(st[1].LastError, "department offline") {
		t.Fatalf("beta status: %+v", st[1])
	}
	if got := metricValue(t, reg, "residenthub_connector_run_errors_total", "beta"); got != 1 {
		t.Fatalf("beta errors metric = %v", got)
	}
	if got := metricValue(t, reg, "residenthub_connector_rows_pulled_total", "alpha"); got != float64(st[0].RowsPulled) {
		t.Fatalf("alpha rows metric = %v", got)
	}
}

// metricValue gathers one series' value (counter or gauge) from the registry.
func metricValue(t *testing.T, reg *prometheus.Registry, name, source string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "source" && l.GetValue() == source {
					return m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no series %s{source=%q}", name, source)
	return 0
}

func TestSchedulerTicksWithoutOverlap(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	slow := &counter{total: 3, block: make(chan struct{}), started: make(chan struct{})}
	failing := &counter{fail: connectors.BackOff(errors.New("429"), time.Hour)}
	kinds := map[string]connectors.Factory{"fake": func(src *config.Source) (connectors.Puller, error) {
		if src.Name == "alpha" {
			return slow, nil
		}
		return failing, nil
	}}
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, ct.Sources(t, fakeSources))
	s := h.Scheduler
	s.Start(ctx)
	<-slow.started // a tick started alpha and it is blocked
	if err := s.RunNow(ctx, "alpha"); !errors.Is(err, connectors.ErrRunning) {
		t.Fatalf("RunNow during a run: %v", err)
	}
	if !s.Status()[0].Running {
		t.Fatal("alpha not reported running")
	}
	// beta fails with a back-off of an hour: it runs once, then its next run moves.
	for s.Status()[1].Runs == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("beta never ran")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if next := s.Status()[1].NextRun; next == nil || time.Until(*next) < 50*time.Minute {
		t.Fatalf("beta next run %v, want about an hour away", next)
	}
	close(slow.block) // alpha finishes; Stop waits for it
	slow.started = nil
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st[0].Running || st[0].Cursor != "3" || st[1].Runs != 1 {
		t.Fatalf("status after stop: %+v", st)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "alpha")); n != 3 {
		t.Fatalf("alpha published %d, want 3", n)
	}
}

// stubborn is a fake kind whose Pull runs until its context is cancelled
// (a slow SQL or HTTP page); it implements io.Closer and records whether
// Close came after Pull returned.
type stubborn struct {
	started  chan struct{}
	mu       sync.Mutex
	pulling  int
	pullErrs []error
	closed   int
	early    bool // Close called while a Pull was in progress
	// pages: once its context ends the kind goes on publishing pages
	// (one row each) until a page fails, instead of stopping at once.
	pages bool
}

func (s *stubborn) Pull(ctx context.Context, run *connectors.Run) error {
	s.mu.Lock()
	s.pulling++
	s.mu.Unlock()
	s.started <- struct{}{}
	<-ctx.Done()
	err := ctx.Err()
	for s.pages {
		row := connectors.Row{Values: map[string]any{"id": "1", "name": "n", "hh": "h"}}
		if err = run.Emit(ctx, []connectors.Row{row}, "c"); err != nil {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pulling--
	s.pullErrs = append(s.pullErrs, ctx.Err())
	return err
}

func (s *stubborn) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed++
	s.early = s.early || s.pulling > 0
	return nil
}

// startStubbornRuns starts a scheduler of two sources of kind slow, a
// scheduled one (alpha) and one run by RunNow (beta, its result on runNow),
// and returns once both runs are in progress.
func startStubbornRuns(t *testing.T, ctx context.Context, brokers []string, slow *stubborn) (s *runtime.Scheduler, runNow <-chan error) {
	kinds := map[string]connectors.Factory{"fake": func(src *config.Source) (connectors.Puller, error) { return slow, nil }}
	sources := ct.Sources(t, `
- name: alpha
  kind: fake
  dataset: person
  schedule: "@every 1s"
  key: [id]
  fields: {id_number: id, name: name, household_id: hh}
- name: beta
  kind: fake
  dataset: person
  key: [id]
  fields: {id_number: id, name: name, household_id: hh}
`)
	s = ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, sources).Scheduler
	s.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- s.RunNow(ctx, "beta") }()
	<-slow.started // both runs are in progress
	<-slow.started
	return s, done
}

// TestStopCancelsRunsAtDeadline: a scheduled run and a RunNow call that go
// on publishing pages after Stop asked them to stop do not hold Stop past its
// deadline (RunTimeout is an hour): Stop cancels their pages, waits for
// them, closes the pullers and reports the deadline.
func TestStopCancelsRunsAtDeadline(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	slow := &stubborn{started: make(chan struct{}, 2), pages: true}
	s, runNow := startStubbornRuns(t, ctx, brokers, slow)

	stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(stopCtx) }()
	var err error
	select {
	case err = <-stopped:
	case <-ctx.Done():
		t.Fatal("Stop still blocked long after its deadline")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want the deadline", err)
	}
	if err := <-runNow; !errors.Is(err, context.Canceled) {
		t.Fatalf("RunNow = %v, want cancelled", err)
	}
	slow.mu.Lock()
	defer slow.mu.Unlock()
	if len(slow.pullErrs) != 2 || slow.pulling != 0 {
		t.Fatalf("pulls ended %v, %d still pulling", slow.pullErrs, slow.pulling)
	}
	if slow.closed != 2 || slow.early {
		t.Fatalf("Close called %d times (want once per source), during a pull: %v", slow.closed, slow.early)
	}
	st := s.Status()
	if st[0].Running || st[1].Running || st[0].Errors != 1 || !strings.Contains(st[0].LastError, "context canceled") {
		t.Fatalf("status after stop: %+v", st)
	}
}

// TestStopDrainsRunsAtPageBoundary: Stop first asks the runs in progress to
// stop at their next page boundary (their context ends), so runs that do
// end well before the deadline: Stop returns nil, the runs are not failures,
// and the pullers are closed once.
func TestStopDrainsRunsAtPageBoundary(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	slow := &stubborn{started: make(chan struct{}, 2)}
	s, runNow := startStubbornRuns(t, ctx, brokers, slow)
	if err := s.Stop(ctx); err != nil { // the deadline is the test's 60 s
		t.Fatalf("Stop = %v, want the runs drained", err)
	}
	if err := <-runNow; err != nil {
		t.Fatalf("RunNow = %v, want a run stopped for the shutdown", err)
	}
	slow.mu.Lock()
	defer slow.mu.Unlock()
	if len(slow.pullErrs) != 2 || slow.pulling != 0 || slow.closed != 2 || slow.early {
		t.Fatalf("pulls ended %v, %d still pulling, Close called %d times (during a pull: %v)", slow.pullErrs, slow.pulling, slow.closed, slow.early)
	}
	for _, st := range s.Status() {
		if st.Running || st.Errors != 0 {
			t.Fatalf("status after stop: %+v", st)
		}
	}
}

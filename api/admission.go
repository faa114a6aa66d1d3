package api

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/httperr"
)

// Admission bounds the person reads (checks, profiles, certificates) one
// API process serves: MaxInFlight at once; up to Queue more wait, each at
// most QueueWait, for a turn in arrival order; a read past the queue, or
// one that waited QueueWait, is answered at once with 429
// too_many_requests and Retry-After (RetryAfter, whole seconds), never a
// 5xx: the hub is healthy, only busy. Config: http.max_in_flight,
// http.queue, http.queue_wait.
type Admission struct {
	MaxInFlight int
	Queue       int
	QueueWait   time.Duration
}

// DefaultAdmission is used when Deps.Admission is the zero value.
var DefaultAdmission = Admission{MaxInFlight: 64, Queue: 1024, QueueWait: 30 * time.Second}

// RetryAfter is the Retry-After of a 429: a turn is usually free again
// within a second.
const RetryAfter = time.Second

// CodeTooManyRequests is the error code of a read refused by admission.
const CodeTooManyRequests = "too_many_requests"

// admission is Admission at work: slots holds a token per read served.
type admission struct {
	slots  chan struct{}
	queued atomic.Int64
	queue  int64
	wait   time.Duration

	inFlight, waiting prometheus.Gauge
}

func newAdmission(a Admission, m *metrics) *admission {
	if a == (Admission{}) {
		a = DefaultAdmission
	}
	if a.MaxInFlight < 1 {
		a.MaxInFlight = 1
	}
	if a.QueueWait <= 0 {
		a.QueueWait = DefaultAdmission.QueueWait
	}
	return &admission{slots: make(chan struct{}, a.MaxInFlight), queue: int64(max(a.Queue, 0)), wait: a.QueueWait,
		inFlight: m.readsInFlight, waiting: m.readsQueued}
}

// enter waits for a turn; the caller must call the returned release when
// the read is answered. It refuses with a 429 past the queue, after the
// wait, or when the caller has gone while waiting.
func (a *admission) enter(ctx context.Context) (func(), *apiError) {
	select {
	case a.slots <- struct{}{}:
		a.inFlight.Inc()
		return a.release, nil
	default:
	}
	if a.queued.Add(1) > a.queue {
		a.queued.Add(-1)
		return nil, tooManyRequests("queue", a.queue)
	}
	a.waiting.Inc()
	defer func() {
		a.queued.Add(-1)
		a.waiting.Dec()
	}()
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		a.inFlight.Inc()
		return a.release, nil
	case <-t.C:
		return nil, tooManyRequests("wait", int64(a.wait/time.Second))
	case <-ctx.Done():
		return nil, tooManyRequests("gone")
	}
}

func (a *admission) release() {
	a.inFlight.Dec()
	<-a.slots
}

// tooManyRequests is the 429 of a refused read (catalogue key
// too_many_requests.<variant>; the last argument is the Retry-After in
// seconds).
func tooManyRequests(variant string, args ...any) *apiError {
	return httperr.TooMany(RetryAfter, CodeTooManyRequests+"."+variant, append(args, int64(RetryAfter/time.Second))...)
}

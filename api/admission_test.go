package api

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestOverloadAnswers429: past the configured queue, and past the queue
// wait, a person read is answered 429 too_many_requests with Retry-After,
// over real HTTP with the real reader; reads within the queue are all
// answered; nothing is a 5xx.
func TestOverloadAnswers429(t *testing.T) {
	e := newTestEnv(t)
	body := map[string]any{"program": "dibao", "id_number": idZhang, "name": "张三"}
	check := func() answer { return e.req("POST", "/v1/checks", keyCaseworker, purposeText, body, "") }
	busy := func(a Admission, reads int) []func() {
		t.Helper()
		e.srv.admit = newAdmission(a, e.srv.metrics)
		var releases []func()
		for i := 0; i < reads; i++ {
			release, aerr := e.srv.admit.enter(context.Background())
			if aerr != nil {
				t.Fatal(aerr)
			}
			releases = append(releases, release)
		}
		return releases
	}
	waitQueued := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); e.srv.admit.queued.Load() < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d reads queued, want %d", e.srv.admit.queued.Load(), n)
			}
		}
	}
	tooMany := func(a answer) {
		t.Helper()
		a.expect(t, http.StatusTooManyRequests, CodeTooManyRequests)
		if a.header.Get("Retry-After") != "1" {
			t.Fatalf("429 with Retry-After %q", a.header.Get("Retry-After"))
		}
	}

	t.Run("past the queue and past the wait", func(t *testing.T) {
		// One read being answered holds the one turn; one more may wait.
		releases := busy(Admission{MaxInFlight: 1, Queue: 1, QueueWait: 500 * time.Millisecond}, 1)
		queued := make(chan answer, 1)
		go func() { queued <- check() }()
		waitQueued(1)
		tooMany(check())  // past the queue: at once
		tooMany(<-queued) // its wait is over
		releases[0]()
		check().expect(t, http.StatusOK, "")
	})

	t.Run("burst: the queued are answered, the rest refused", func(t *testing.T) {
		const inFlight, queue, burst = 2, 20, 60
		releases := busy(Admission{MaxInFlight: inFlight, Queue: queue, QueueWait: time.Minute}, inFlight)
		var wg sync.WaitGroup
		answers := make(chan answer, burst)
		for i := 0; i < burst; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers <- check()
			}()
		}
		// Everyone past the queue is refused before a turn frees.
		for refused := 0; refused < burst-queue; refused++ {
			tooMany(<-answers)
		}
		waitQueued(queue)
		for _, release := range releases {
			release()
		}
		wg.Wait()
		close(answers)
		n := 0
		for a := range answers {
			a.expect(t, http.StatusOK, "")
			n++
		}
		if n != queue {
			t.Fatalf("%d queued reads answered, want %d", n, queue)
		}
	})

	t.Run("a burst within the queue is answered", func(t *testing.T) {
		busy(Admission{MaxInFlight: 4, Queue: 200, QueueWait: time.Minute}, 0)
		var wg sync.WaitGroup
		statuses := make(chan int, 200)
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- check().status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != http.StatusOK {
				t.Fatalf("a read of a burst within the queue answered %d", s)
			}
		}
	})
}

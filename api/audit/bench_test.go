package audit

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
)

// BenchmarkWrite32 writes audit events from 32 goroutines at once (the
// bench's 32 clients) to an embedded broker in this process, each waiting
// for its acknowledgement as the API does. cpu-ns/op is the process's CPU
// time per event (user + system, the broker's produce handling and fsync
// included): on a shared machine it moves less than ns/op. Run:
// go test -run '^$' -bench Write32 ./api/audit/.
func BenchmarkWrite32(b *testing.B) {
	ctx := context.Background()
	broker, err := bus.StartEmbedded("127.0.0.1:0", b.TempDir(), 4)
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	if err := bus.EnsureTopics(ctx, broker.Brokers(), 4, schema.AuditTopic); err != nil {
		b.Fatal(err)
	}
	w := NewWriter(broker.Brokers())
	defer w.Close()
	event := func(i int) Event {
		return Event{EventID: NewEventID(), Time: time.Now(), Caller: "hall-1", Role: "counter", Purpose: "dibao application",
			SubjectIDNumber: fmt.Sprintf("1101051980010%05d", i%100000), HouseholdMembers: []string{"110105195008080224"},
			Endpoint: "POST /v1/checks", Program: "dibao", Decision: "eligible", Status: 200}
	}
	if err := w.Write(ctx, event(0)); err != nil {
		b.Fatal(err)
	}
	const clients = 32
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := (b.N + clients - 1) / clients
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if err := w.Write(ctx, event(c*per+i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(per*clients), "cpu-ns/op")
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// processCPU is the process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package audit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produceCounter counts the produce requests a franz-go client wrote.
type produceCounter struct{ n atomic.Int64 }

func (c *produceCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key == 0 && err == nil { // 0: Produce
		c.n.Add(1)
	}
}

// TestWriterToSink produces events through the embedded broker over TCP and
// checks they land in audit_log, with a re-sent event collapsing to one row.
func TestWriterToSink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	conn, ch := storetest.New(t)
	broker, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	if err := bus.EnsureTopics(ctx, broker.Brokers(), 2, schema.AuditTopic); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(broker.Brokers())
	defer w.Close()

	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	e1 := Event{EventID: NewEventID(), Time: now, Caller: "hall-1", Role: "counter", Purpose: "dibao application",
		SubjectIDNumber: "11010519491231002X", HouseholdMembers: []string{"110105195008080224", "110105198202020026"},
		Endpoint: "POST /v1/checks", Program: "dibao", Decision: "eligible", Status: 200}
	e2 := Event{Time: now.Add(time.Second), Caller: "desk-2", Role: "caseworker", Purpose: "review",
		SubjectIDNumber: "110105198001010012", Endpoint: "GET /v1/residents/{id_number}", Decision: "shown", Status: 200}
	for _, e := range []Event{e1, e2, e1} { // e1 twice: a re-sent message
		if err := w.Write(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	sink := NewSink(conn, ch, broker.Brokers(), slog.Default())
	sink.Linger = 100 * time.Millisecond
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sink.Run(sctx) }()

	table := store.QuoteIdent(ch.Database) + ".audit_log"
	var n uint64
	for ctx.Err() == nil {
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+table+" FINAL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("audit_log FINAL has %d rows, want 2 (the re-sent event collapses)", n)
	}
	var caller, role, purpose, endpoint, program, decision string
	var members []string
	var status uint16
	var at time.Time
	if err := conn.QueryRow(ctx, "SELECT caller, role, purpose, household_members, endpoint, program, decision, status, time FROM "+table+
		" FINAL WHERE subject_id_number = ?", e1.SubjectIDNumber).Scan(&caller, &role, &purpose, &members, &endpoint, &program, &decision, &status, &at); err != nil {
		t.Fatal(err)
	}
	if caller != "hall-1" || role != "counter" || purpose != "dibao application" || endpoint != "POST /v1/checks" ||
		program != "dibao" || decision != "eligible" || status != 200 || !at.Equal(now) || !slices.Equal(members, e1.HouseholdMembers) {
		t.Fatalf("row = %s %s %s %v %s %s %s %d %v", caller, role, purpose, members, endpoint, program, decision, status, at)
	}
	// An event without members (the subject's data alone) has an empty array.
	if err := conn.QueryRow(ctx, "SELECT household_members FROM "+table+" FINAL WHERE subject_id_number = ?", e2.SubjectIDNumber).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if len(members) != 0 {
		t.Fatalf("members of e2 = %q, want none", members)
	}
}

func TestUnmarshalDerivesMissingID(t *testing.T) {
	f := func(value string, wantErr bool) {
		t.Helper()
		a, err := Unmarshal([]byte(value), "audit", 1, 42)
		if wantErr {
			if err == nil {
				t.Fatalf("Unmarshal(%s): want error", value)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Unmarshal([]byte(value), "audit", 1, 42)
		c, _ := Unmarshal([]byte(value), "audit", 1, 43)
		if a.EventID == "" || a.EventID != b.EventID || a.EventID == c.EventID {
			t.Fatalf("derived IDs %q %q %q: want stable per message, distinct across messages", a.EventID, b.EventID, c.EventID)
		}
	}
	f(`{"caller":"x","time":"2026-11-29T08:00:00Z"}`, false)
	f(`{"caller":`, true)
	f(`[]`, true)
}

// TestConcurrentWritesShareProduceRequests: events of concurrent reads are
// produced together (fewer produce requests than events), every Write
// returns only once its event is stored, and all of them can be read back.
func TestConcurrentWritesShareProduceRequests(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	broker, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	if err := bus.EnsureTopics(ctx, broker.Brokers(), 2, schema.AuditTopic); err != nil {
		t.Fatal(err)
	}
	var produces produceCounter
	w := NewWriter(broker.Brokers(), kgo.WithHooks(&produces))
	defer w.Close()
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	ids := map[string]bool{}
	events := make([]Event, n)
	for i := range events {
		events[i] = Event{EventID: NewEventID(), Time: time.Now(), Caller: "hall-1", SubjectIDNumber: fmt.Sprintf("1101051980010100%02d", i%100)}
		ids[events[i].EventID] = true
	}
	for _, e := range events {
		wg.Add(1)
		go func(e Event) {
			defer wg.Done()
			errs <- w.Write(ctx, e)
		}(e)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if requests := produces.n.Load(); requests >= n/2 {
		t.Fatalf("%d events in %d produce requests: want fewer than half as many requests", n, requests)
	}
	for p := 0; p < 2; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: broker.Brokers(), Topic: schema.AuditTopic, Partition: p, MaxWait: 100 * time.Millisecond})
		defer r.Close()
		for {
			rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
			m, err := r.ReadMessage(rctx)
			rcancel()
			if err != nil {
				break
			}
			e, err := Unmarshal(m.Value, m.Topic, m.Partition, m.Offset)
			if err != nil {
				t.Fatal(err)
			}
			delete(ids, e.EventID)
		}
	}
	if len(ids) != 0 {
		t.Fatalf("%d acknowledged events not on the topic", len(ids))
	}
}

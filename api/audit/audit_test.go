package audit

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

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

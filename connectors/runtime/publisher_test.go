package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

type recordingWriter struct{ msgs []kafka.Message }

func (w *recordingWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.msgs = append(w.msgs, msgs...)
	return nil
}

// TestDeadLetterKeys checks that the connectors' dead letters carry a key
// that depends only on the record, so a repeated page is recognisable.
func TestDeadLetterKeys(t *testing.T) {
	src := testSource()
	rows := []connectors.Row{
		{Values: map[string]any{"SFZH": "1", "HH": "2"}, Origin: "a.csv:2"},
		{Values: map[string]any{"SFZH": "1", "HH": ""}, Origin: "a.csv:3"},  // empty key
		{Values: map[string]any{"SFZH": "", "HH": "x"}, Origin: "a.csv:4"},  // empty key
		{Values: map[string]any{"SFZH": "1", "HH": ""}, Origin: "b.csv:3"},  // same row, other file
		{Values: map[string]any{"SFZH": "9", "HH": " "}, Origin: "a.csv:3"}, // other row, same origin
	}
	bad := connectors.BadRecord{Index: 7, Origin: "a.jsonl:5", Reason: "line 5 is a JSON array, not an object", Original: []byte("[1]")}
	publish := func(at time.Time) map[string]string {
		t.Helper()
		w := &recordingWriter{}
		p := NewPublisher(w)
		p.now = func() time.Time { return at }
		res, err := p.Publish(context.Background(), src, rows, bad)
		if err != nil || res.Accepted != 1 || len(res.Rejected) != 5 {
			t.Fatalf("%+v %v", res, err)
		}
		keys := map[string]string{} // reason + original → key
		for _, m := range w.msgs {
			if m.Topic != schema.DLQTopic(src.Name) {
				continue
			}
			var d schema.DeadLetter
			if err := json.Unmarshal(m.Value, &d); err != nil {
				t.Fatal(err)
			}
			if len(m.Key) != 32 {
				t.Fatalf("dead letter %q has key %q", d.Reason, m.Key)
			}
			keys[d.Origin+" "+d.Reason+" "+string(d.Original)] = string(m.Key)
		}
		if len(keys) != 5 {
			t.Fatalf("keys %v", keys)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Fatalf("two dead letters share key %s: %v", k, keys)
			}
			seen[k] = true
		}
		return keys
	}
	first := publish(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	again := publish(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) // a crash repeats the page a day later
	for reason, k := range first {
		if again[reason] != k {
			t.Fatalf("%s: key %s, then %s", reason, k, again[reason])
		}
	}
}

// TestDeadLetterOrigin checks that every dead letter the connectors write
// carries the record's origin in its own field (rows MapRow refused and bad
// records alike), so `residenthub dead-letters` can say where it came from.
func TestDeadLetterOrigin(t *testing.T) {
	src := testSource()
	rows := []connectors.Row{
		{Values: map[string]any{"SFZH": "1", "HH": "2"}, Origin: "a.csv:2"},
		{Values: map[string]any{"SFZH": "", "HH": "x"}, Origin: "a.csv:3"}, // empty key
	}
	bad := connectors.BadRecord{Index: 4, Origin: "push by it line 4", Reason: "line 4 is a JSON array, not an object", Original: []byte("[1]")}
	w := &recordingWriter{}
	if _, err := NewPublisher(w).Publish(context.Background(), src, rows, bad); err != nil {
		t.Fatal(err)
	}
	var origins []string
	for _, m := range w.msgs {
		if m.Topic != schema.DLQTopic(src.Name) {
			continue
		}
		var d schema.DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			t.Fatal(err)
		}
		if d.Partition != -1 || d.Offset != -1 || d.Topic != "" {
			t.Fatalf("dead letter %+v", d)
		}
		origins = append(origins, d.Origin)
	}
	if len(origins) != 2 || origins[0] != "a.csv:3" || origins[1] != "push by it line 4" {
		t.Fatalf("origins %q", origins)
	}
}

// TestPublishMessagesAreMapRows: every message of a page is exactly its
// row's MapRow envelope, JSON-encoded, under its record key — rows of every
// size, including envelopes larger than an arena chunk, and rows lacking a
// column the row before had (the fields map is reused) — and no message's
// bytes run into another's (appending to one leaves the others as they were).
func TestPublishMessagesAreMapRows(t *testing.T) {
	src := benchSource()
	var rows []connectors.Row
	for i, size := range []int{0, 10, 3000, 70_000, 200, 5, 64 << 10, 1} {
		r := benchRow()
		r.Values["公民身份号码"] = fmt.Sprintf("11010519900307%04d", i)
		r.Values["户籍地址"] = strings.Repeat("院", size)
		r.Origin = fmt.Sprintf("hukou.csv:%d", i+2)
		if i%2 == 1 {
			delete(r.Values, "联系电话") // a row without a column the row before had
		}
		rows = append(rows, r)
	}
	for len(rows) < 5000 {
		r := benchRow()
		r.Values["公民身份号码"] = fmt.Sprintf("1101051990030%05d", len(rows))
		rows = append(rows, r)
	}
	w := &recordingWriter{}
	p := NewPublisher(w)
	at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return at }
	if res, err := p.Publish(context.Background(), src, rows); err != nil || res.Accepted != len(rows) {
		t.Fatalf("%+v %v", res, err)
	}
	if len(w.msgs) != len(rows) {
		t.Fatalf("%d messages for %d rows", len(w.msgs), len(rows))
	}
	want := func(i int) (key, value string) {
		env, reason := MapRow(src, rows[i], at)
		if reason != "" {
			t.Fatal(reason)
		}
		b, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return env.RecordKey, string(b)
	}
	for i, m := range w.msgs {
		key, value := want(i)
		if string(m.Key) != key || string(m.Value) != value {
			t.Fatalf("message %d: key %q value %.200s, want key %q value %.200s", i, m.Key, m.Value, key, value)
		}
		// Grow every key and value in place where capacity allows.
		m.Key = append(m.Key, "XXXX"...)
		m.Value = append(m.Value, "XXXX"...)
	}
	for i, m := range w.msgs {
		key, value := want(i)
		if string(m.Key) != key || string(m.Value) != value {
			t.Fatalf("message %d changed when others were appended to: key %q value %.200s", i, m.Key, m.Value)
		}
	}
}

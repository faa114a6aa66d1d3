package loader

import (
	"testing"
	"time"
	"unsafe"

	"github.com/segmentio/kafka-go"
)

func TestMessageKeepsWhatPrepareAndCommitRead(t *testing.T) {
	at := time.Date(2026, 12, 8, 2, 45, 1, 234_000_000, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name string
		in   kafka.Message
		want time.Time
	}{
		{"with time", kafka.Message{Topic: "raw.hukou", Partition: 3, Offset: 1 << 40, Key: []byte("k"), Value: []byte("v"),
			Headers: []kafka.Header{{Key: "h", Value: []byte("x")}}, HighWaterMark: 9, Time: at}, at.UTC()},
		{"without time", kafka.Message{Topic: "raw.a", Partition: 0, Offset: 0}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := messageOf(&tc.in)
			if m.Topic != tc.in.Topic || int(m.Partition) != tc.in.Partition || m.Offset != tc.in.Offset ||
				string(m.Key) != string(tc.in.Key) || string(m.Value) != string(tc.in.Value) {
				t.Errorf("messageOf(%+v) = %+v", tc.in, m)
			}
			if got := m.MessageTime(); !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("MessageTime() = %v, want %v in UTC", got, tc.want)
			}
		})
	}
	// What the loop holds per message in flight (the doc's figure).
	if n := unsafe.Sizeof(Message{}); n > 88 {
		t.Errorf("Message is %d bytes, more than the 88 documented", n)
	}
}

func TestLastOfPartitions(t *testing.T) {
	msgs := []Message{
		{Topic: "a", Partition: 0, Offset: 1, Value: []byte("x")},
		{Topic: "a", Partition: 1, Offset: 7},
		{Topic: "b", Partition: 0, Offset: 4},
		{Topic: "a", Partition: 0, Offset: 2, Key: []byte("k")},
	}
	got := lastOfPartitions(msgs)
	want := []kafka.Message{{Topic: "a", Partition: 0, Offset: 2}, {Topic: "a", Partition: 1, Offset: 7}, {Topic: "b", Partition: 0, Offset: 4}}
	if len(got) != len(want) {
		t.Fatalf("lastOfPartitions = %+v, want %+v", got, want)
	}
	for i := range want {
		g := got[i]
		if g.Topic != want[i].Topic || g.Partition != want[i].Partition || g.Offset != want[i].Offset || g.Key != nil || g.Value != nil {
			t.Errorf("lastOfPartitions[%d] = %+v, want %+v", i, g, want[i])
		}
	}
}

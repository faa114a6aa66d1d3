package retry

import (
	"context"
	"testing"
	"time"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	b := New(100*time.Millisecond, time.Second)
	var got []time.Duration
	for range 6 {
		got = append(got, b.Next())
	}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond && !(want[i] == 1000 && got[i] == time.Second) {
			t.Fatalf("pauses = %v", got)
		}
	}
	b.Reset()
	if d := b.Next(); d != 100*time.Millisecond {
		t.Fatalf("after Reset: %v", d)
	}
}

func TestBackoffJitterStaysInHalfOpenRange(t *testing.T) {
	b := New(time.Second, time.Second)
	b.Jitter = true
	for range 100 {
		if d := b.Next(); d < 500*time.Millisecond || d >= time.Second {
			t.Fatalf("jittered pause %v outside [500ms, 1s)", d)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	b := New(0, 0)
	if b.Min != 100*time.Millisecond || b.Max != b.Min {
		t.Fatalf("New(0, 0) = %+v", b)
	}
}

func TestWaitStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if New(time.Hour, time.Hour).Wait(ctx) {
		t.Fatal("Wait on a cancelled context returned true")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep returned false")
	}
}

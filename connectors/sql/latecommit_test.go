package sqlconn

import (
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

func TestLateCommitWindow(t *testing.T) {
	f := func(extra, want string) {
		t.Helper()
		src := hrSource(t, "\n    driver: postgres\n    dsn: x\n    table: t\n    tie_breaker: id\n"+extra)[0]
		p, err := New(&src)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.(*Conn).LateCommitWindow(); !strings.HasPrefix(got, want) {
			t.Fatalf("%q: %q, want prefix %q", extra, got, want)
		}
	}
	f("    cursor_column: c\n", "WARNING: no lookback: a transaction committing more than 30s (delay")
	f("    cursor_column: c\n    lookback: 10m\n", "a transaction committing up to 10m30s after its cursor_column value is read (delay 30s + lookback 10m0s)")
	f("    cursor_column: c\n    lookback_rows: 50\n    delay: 0s\n", "integer cursor: the last 50 cursor values are re-read")
	f("    mode: snapshot\n", "snapshot: every run reads the whole table")
}

func TestCursorDrift(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	at := func(t time.Time) value { return value{"time", t.Format(time.RFC3339Nano)} }
	f := func(v value, delay time.Duration, want string) {
		t.Helper()
		got := cursorDrift(v, now, delay)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Fatalf("cursorDrift(%v, %s) = %q, want %q", v, delay, got, want)
		}
	}
	f(at(now.Add(-40*time.Second)), 30*time.Second, "")
	f(at(now.Add(-50*time.Minute)), 30*time.Second, "")
	f(at(now.Add(-8*time.Hour)), 30*time.Second, "8h0m0s behind now - delay: check settings.time_zone")
	f(at(now.Add(8*time.Hour)), 0, "8h0m0s ahead of now")
	f(value{"int", "123"}, 0, "")
	f(value{"time", "garbage"}, 0, "")
}

// TestStatusStatesLateCommitWindow: GET /v1/sources serves the scheduler's
// status, which states each SQL source's late-commit window.
func TestStatusStatesLateCommitWindow(t *testing.T) {
	srcs := hrSource(t, " {driver: postgres, dsn: x, table: t, tie_breaker: id, cursor_column: c}\n")
	h := ct.NewHarness(t, ct.Kafka(t), t.TempDir(), kindsWithClock(&clock{time.Now()}), nil, srcs)
	if st := h.Scheduler.Status(); len(st) != 1 || !strings.HasPrefix(st[0].LateCommitWindow, "WARNING: no lookback") {
		t.Fatalf("status %+v", st)
	}
}

// hrSource is an sql source "hr" whose settings block is settings (after
// "settings:").
func hrSource(t *testing.T, settings string) []config.Source {
	return ct.Sources(t, `
- name: hr
  kind: sql
  dataset: person
  key: [sfzh]
  fields: {id_number: sfzh, name: name, household_id: hh}
  settings:`+settings)
}

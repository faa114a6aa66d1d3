package sqlconn

import (
	"fmt"
	"time"

	"github.com/residenthub/residenthub/connectors"
)

var _ connectors.LateCommitter = (*Conn)(nil)

// LateCommitWindow says, for GET /v1/sources, how late a department's
// transaction may commit (after the cursor_column value it wrote) and still
// be read: snapshot sources read everything every run; incremental ones are
// protected for delay + lookback (time cursor) or the last lookback_rows
// cursor values (integer cursor). Without lookback it starts with
// "WARNING:", since a later commit is lost silently.
func (c *Conn) LateCommitWindow() string {
	s := c.s
	switch {
	case s.Mode == "snapshot":
		return "snapshot: every run reads the whole table, late commits included"
	case s.LookbackRows > 0:
		return fmt.Sprintf("integer cursor: the last %d cursor values are re-read every run; a commit behind them is lost", s.LookbackRows)
	case s.Lookback > 0:
		return fmt.Sprintf("a transaction committing up to %s after its cursor_column value is read (delay %s + lookback %s); a later commit is lost",
			s.Delay+s.Lookback, s.Delay, s.Lookback)
	}
	return fmt.Sprintf("WARNING: no lookback: a transaction committing more than %s (delay; 0 for an integer cursor) after its cursor_column value is lost; set lookback (time cursor) or lookback_rows (integer cursor)", s.Delay)
}

// maxCursorLag is how far behind the read horizon (now - delay) the newest
// time cursor value of a run that read rows may be before cursorDrift warns.
const maxCursorLag = time.Hour

// cursorDrift warns when the newest time cursor value of a run that read
// rows is far from now: ahead of now (the department's clock or
// settings.time_zone is off, and rows beyond now - delay are not read until
// then), or more than an hour behind the read horizon now - delay (usually a
// time zone set west of the department's, so every row waits hours; or a
// backfill). "" otherwise, and for integer cursors.
func cursorDrift(newest value, now time.Time, delay time.Duration) string {
	if newest.T != "time" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, newest.V)
	if err != nil {
		return ""
	}
	horizon := now.Add(-delay)
	switch {
	case t.After(now.Add(time.Minute)):
		return fmt.Sprintf("newest cursor_column value is %s ahead of now: check settings.time_zone and the department's clock", t.Sub(now).Round(time.Minute))
	case horizon.Sub(t) > maxCursorLag:
		return fmt.Sprintf("newest cursor_column value read is %s behind now - delay: check settings.time_zone (rows may wait hours to be read) unless the table was backfilled", horizon.Sub(t).Round(time.Minute))
	}
	return ""
}

package facts

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date, held as UTC midnight; the zero Date means
// unknown. JSON: "2006-01-02", or null when unknown.
//
// In ClickHouse, dates of people and records (birth_date, since, ...) are
// ISO "2006-01-02" Strings ("" = unknown), because ClickHouse 18.16's Date
// cannot hold dates before 1970; months (employment.period) are Date
// columns. Scan reads both.
type Date struct{ time.Time }

// DateOf returns the calendar date of t in UTC (t's own time zone is
// ignored: calendar dates are held as UTC midnight).
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// MarshalJSON writes "2006-01-02", or null for an unknown date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Format(time.DateOnly))
}

// UnmarshalJSON reads "2006-01-02" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	if s == nil || *s == "" {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return fmt.Errorf("date %q: %w", *s, err)
	}
	*d = Date{t}
	return nil
}

// Scan implements sql.Scanner for clickhouse-go: a String column holding
// "2006-01-02" or "", or a Date column (the epoch, 1970-01-01, is unknown).
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case string:
		if x == "" {
			*d = Date{}
			return nil
		}
		t, err := time.Parse(time.DateOnly, x)
		if err != nil {
			return fmt.Errorf("cannot read date %q: %w", x, err)
		}
		*d = Date{t}
	case time.Time:
		if x.Unix() <= 0 {
			*d = Date{}
			return nil
		}
		y, m, day := x.Date()
		*d = Date{time.Date(y, m, day, 0, 0, 0, 0, time.UTC)}
	default:
		return fmt.Errorf("cannot read a date from %T", v)
	}
	return nil
}

// UnmarshalBinary reads "2006-01-02" or "". clickhouse-go hands String
// columns to an encoding.BinaryUnmarshaler before an sql.Scanner, and the
// embedded time.Time's own UnmarshalBinary expects its binary encoding.
func (d *Date) UnmarshalBinary(b []byte) error { return d.Scan(string(b)) }

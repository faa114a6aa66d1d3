package profile

import (
	"testing"
	"time"
)

// TestColumnSet: the strings of the one-query read (column.expr) convert
// back to the types the tables scanned before: ClickHouse's zero Date
// ("0000-00-00") and the epoch month are unknown, ISO dates parse, "" is
// unknown, DateTime arrives as Unix seconds, integers as decimals.
func TestColumnSet(t *testing.T) {
	var d Date
	f := func(c column, s string, want Date) {
		t.Helper()
		d = Date{day("2001-01-01")}
		if err := c.set(&d, s); err != nil || !d.Equal(want.Time) || d.IsZero() != want.IsZero() {
			t.Errorf("%v %q: %v, %v; want %v", c, s, d, err, want)
		}
	}
	month, iso := column{"period", colMonth}, column{"since", colISODate}
	f(month, "0000-00-00", Date{})
	f(month, "1970-01-01", Date{})
	f(month, "2024-02-01", Date{day("2024-02-01")})
	f(iso, "", Date{})
	f(iso, "1940-01-01", Date{day("1940-01-01")})
	if err := iso.set(&d, "not a date"); err == nil {
		t.Error("bad ISO date accepted")
	}

	var tm time.Time
	if err := (column{"health_code_time", colDateTime}).set(&tm, "1709251200"); err != nil || !tm.Equal(day("2024-03-01")) || tm.Location() != time.UTC {
		t.Errorf("DateTime: %v, %v", tm, err)
	}
	var i64 int64
	var i32 int32
	var u8 uint8
	c := column{"n", colInt}
	if err := c.set(&i64, "-1234567890123"); err != nil || i64 != -1234567890123 {
		t.Errorf("int64: %d, %v", i64, err)
	}
	if err := c.set(&i32, "2"); err != nil || i32 != 2 {
		t.Errorf("int32: %d, %v", i32, err)
	}
	if err := c.set(&u8, "1"); err != nil || u8 != 1 {
		t.Errorf("uint8: %d, %v", u8, err)
	}
	if err := c.set(&u8, "300"); err == nil {
		t.Error("uint8 overflow accepted")
	}
	if got := (column{"health_code_time", colDateTime}).expr(); got != "toString(toUnixTimestamp(health_code_time))" {
		t.Errorf("expr %s", got)
	}
}

package normalize

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		got, err := Date(in)
		if err != nil {
			t.Fatalf("Date(%q): unexpected error %v", in, err)
		}
		if got.Location() != time.UTC || got.Format(time.RFC3339Nano) != want+"T00:00:00Z" {
			t.Fatalf("Date(%q) = %v, want %s as midnight UTC", in, got, want)
		}
	}
	ok("2024-03-01", "2024-03-01")
	ok("2024-3-1", "2024-03-01")
	ok("2024/3/1", "2024-03-01")
	ok("2024.03.01", "2024-03-01")
	ok("20240301", "2024-03-01")
	ok("2024年3月1日", "2024-03-01")
	ok("2024 年 3 月 1 日", "2024-03-01")
	ok("２０２４－０３－０１", "2024-03-01")
	ok("２０２４年３月１日", "2024-03-01")
	ok(" 2024-02-29 ", "2024-02-29")
	ok("2024-03-01 23:59:59", "2024-03-01")       // local time: the date as written
	ok("2024-03-01T23:59:59", "2024-03-01")       // local time: the date as written
	ok("2024-03-01T20:00:00Z", "2024-03-02")      // 04:00 next day in Shanghai
	ok("2024-03-01T07:59:59.999Z", "2024-03-01")  // 15:59 in Shanghai
	ok("2024-03-01T00:30:00+09:00", "2024-02-29") // 23:30 the day before in Shanghai
	ok("2024年3月1日 8:05", "2024-03-01")            // Chinese date with a clock
	ok("1", "1900-01-01")                         // Excel serials, 1900 system
	ok("59", "1900-02-28")                        // last day before Excel's phantom leap day
	ok("61", "1900-03-01")                        // first day after it
	ok("45000", "2023-03-15")                     // =DATE(2023,3,15) in Excel
	ok("45352", "2024-03-01")                     // =DATE(2024,3,1) in Excel
	ok("2958465", "9999-12-31")                   // Excel's last day
	ok("１９９０１２３１", "1990-12-31")                  // full-width yyyymmdd
	ok("2024-03-01 12:00:00 +0800", "2024-03-01") // offset without colon
	ok("2024-03-01T12:00:00.123456789+08:00", "2024-03-01")

	bad := func(in, reason string) {
		t.Helper()
		_, err := Date(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldDate || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Date(%q): got %v, want reason containing %q", in, err, reason)
		}
	}
	bad("", "empty")
	bad("2023-02-29", "calendar")
	bad("2024-13-01", "calendar")
	bad("20240230", "calendar")
	bad("2024-03/01", "separators")
	bad("01/03/2024", "format")
	bad("March 1, 2024", "format")
	bad("0", "Excel")
	bad("60", "1900-02-29")
	bad("2958466", "Excel")
	bad("123456789", "neither")
	bad("0001-01-01", "year")
	bad("2024-03-01 25:00", "out of range")
	bad("2024-03-01 12:00:60", "out of range")
	bad("2024-03-01 noon", "time of day")
	bad("2024-03-01T12:00:00+25:00", "offset")
}

func TestDateTime(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		got, err := DateTime(in)
		if err != nil {
			t.Fatalf("DateTime(%q): unexpected error %v", in, err)
		}
		if got.Location() != time.UTC || got.Format(time.RFC3339Nano) != want {
			t.Fatalf("DateTime(%q) = %v, want %s", in, got, want)
		}
	}
	ok("2024-03-01", "2024-02-29T16:00:00Z")
	ok("20240301", "2024-02-29T16:00:00Z")
	ok("45352", "2024-02-29T16:00:00Z")
	ok("2024-03-01 08:30:00", "2024-03-01T00:30:00Z")
	ok("2024/3/1 8:30", "2024-03-01T00:30:00Z")
	ok("2024-03-01T08:30:00+08:00", "2024-03-01T00:30:00Z")
	ok("2024-03-01T08:30:00Z", "2024-03-01T08:30:00Z")
	ok("2024-03-01T08:30:00.5-05:00", "2024-03-01T13:30:00.5Z")
	ok("2024年3月1日 08:30:00", "2024-03-01T00:30:00Z")

	bad := func(in string) {
		t.Helper()
		if got, err := DateTime(in); err == nil {
			t.Fatalf("DateTime(%q) = %v, want error", in, got)
		}
	}
	bad("")
	bad("2024-02-30 00:00:00")
	bad("9999-12-31T23:00:00-05:00") // year 10000 in UTC
	bad("1000-01-01")                // 999-12-31T16:00Z
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"2024-03-01", "20240301", "2024年3月1日", "45000", "60", "2024-03-01T20:00:00Z", "2024-03-01 12:00:00 +0800", "１２", "2024-3-1T1:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Date(in)
		if err == nil {
			if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
				t.Fatalf("Date(%q) = %v: not midnight UTC", in, d)
			}
			again, err := Date(d.Format(time.DateOnly))
			if err != nil || !again.Equal(d) {
				t.Fatalf("Date(%q) = %v, which re-parses to %v, %v", in, d, again, err)
			}
		} else if e := (*Error)(nil); !errors.As(err, &e) || e.Field != FieldDate {
			t.Fatalf("Date(%q): error %v is not a date *Error", in, err)
		}
		i, err := DateTime(in)
		if err == nil {
			if i.Location() != time.UTC {
				t.Fatalf("DateTime(%q) = %v: not UTC", in, i)
			}
			again, err := DateTime(i.Format(time.RFC3339Nano))
			if err != nil || !again.Equal(i) {
				t.Fatalf("DateTime(%q) = %v, which re-parses to %v, %v", in, i, again, err)
			}
		} else if e := (*Error)(nil); !errors.As(err, &e) || e.Field != FieldDate {
			t.Fatalf("DateTime(%q): error %v is not a date *Error", in, err)
		}
	})
}

package connectors

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestFormatValue(t *testing.T) {
	f := func(v any, want string, wantOK bool) {
		t.Helper()
		got, ok := FormatValue(v)
		if got != want || ok != wantOK {
			t.Fatalf("FormatValue(%#v) = %q, %v; want %q, %v", v, got, ok, want, wantOK)
		}
	}
	f(nil, "", false)
	f([]byte(nil), "", false)
	f("a", "a", true)
	f([]byte("é"), "é", true)
	f(json.Number("1e21"), "1000000000000000000000", true)
	f(json.Number("1.5E-3"), "0.0015", true)
	f(json.Number("12345678901234567890"), "12345678901234567890", true)
	f(float64(1e21), "1000000000000000000000", true)
	f(float64(0.1), "0.1", true)
	f(float32(2.5), "2.5", true)
	f(math.Inf(1), "+Inf", true)
	f(int64(-3), "-3", true)
	f(uint8(200), "200", true)
	f(true, "true", true)
	f(time.Date(2026, 1, 2, 11, 4, 5, 0, Shanghai), "2026-01-02T03:04:05Z", true)
	f(time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), "2026-01-02T03:04:05.12Z", true)
	f(map[string]any{"b": 1, "a": "x"}, `{"a":"x","b":1}`, true)
	f([]any{json.Number("1"), "x"}, `[1,"x"]`, true)
}

func TestParseSourceTime(t *testing.T) {
	f := func(in string, want time.Time) {
		t.Helper()
		got, err := ParseSourceTime(in)
		if err != nil {
			t.Fatalf("ParseSourceTime(%q): %v", in, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("ParseSourceTime(%q) = %s, want %s", in, got, want)
		}
	}
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	f("2026-11-01T02:00:00Z", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01T10:00:00+08:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00.5", utc(2026, 11, 1, 2, 0, 0, 500000000))
	f("2026-11-01T10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00+08", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 02:00:00.123456+00", utc(2026, 11, 1, 2, 0, 0, 123456000))
	f("2026-11-01 10:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026/11/1 10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("20261101100000", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01", utc(2026, 10, 31, 16, 0, 0, 0))
	f("20261101", utc(2026, 10, 31, 16, 0, 0, 0))
	f("1793498400", utc(2026, 11, 1, 2, 0, 0, 0))
	f("1793498400000", utc(2026, 11, 1, 2, 0, 0, 0))
	for _, bad := range []string{"", "x", "2026-13-01", "123"} {
		if _, err := ParseSourceTime(bad); err == nil {
			t.Fatalf("ParseSourceTime(%q): no error", bad)
		}
	}
}

// FuzzParseSourceTimeFastPath: the common forms read straight give what
// trying every layout in order gives.
func FuzzParseSourceTimeFastPath(f *testing.F) {
	for _, s := range []string{"2026-11-01 08:00:00", "2026-11-01", "2026-13-01 08:00:00", "2026-02-30", "2026-11-01 24:00:00", "1700000000", "2026-11-01T08:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.TrimSpace(s)
		fast, ok := parseCommonTime(s)
		if !ok {
			return
		}
		slow, err := parseSourceTime(s)
		if err != nil || !fast.Equal(slow) || fast.Location() != slow.Location() {
			t.Fatalf("%q: fast path %v, layouts %v (%v)", s, fast, slow, err)
		}
	})
}

// FuzzParseSourceTimeLayoutFilter: skipping the layouts whose separator after
// the year does not fit changes no answer of trying every layout in order.
func FuzzParseSourceTimeLayoutFilter(f *testing.F) {
	for _, s := range []string{"2026/07/26 17:07", "2026-11-01 10:00", "2026/1/2", "20261101", "-123-01-02", "2026-11-01T10:00:00+08:00", "2026", "2026x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := parseSourceTime(s)
		var want time.Time
		wantErr := true
		if s != "" {
			for _, l := range sourceTimeLayouts {
				var err error
				if l.zoneless {
					want, err = time.ParseInLocation(l.layout, s, Shanghai)
				} else {
					want, err = time.Parse(l.layout, s)
				}
				if err == nil {
					want, wantErr = want.UTC(), false
					break
				}
			}
		}
		if digits(s) && (len(s) == 10 || len(s) == 13) {
			return // Unix seconds or milliseconds come first, layouts unasked
		}
		if (gotErr != nil) != wantErr || !got.Equal(want) {
			t.Fatalf("%q: filtered %v (%v), every layout %v (error %v)", s, got, gotErr, want, wantErr)
		}
	})
}

// BenchmarkParseSourceTimeSlashes: the form two demo departments write
// ("2026/07/26 17:07"), which the common-form fast path does not take
// (go test -run '^$' -bench ParseSourceTime -benchmem ./connectors/).
func BenchmarkParseSourceTimeSlashes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSourceTime("2026/07/26 17:07"); err != nil {
			b.Fatal(err)
		}
	}
}

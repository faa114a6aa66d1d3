package normalize

import (
	"testing"
	"time"
)

func TestTimeIn(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	us := []string{"01/02/2006 03:04:05 PM", "01/02/2006"}
	f := func(in string, layouts []string, loc *time.Location, want time.Time) {
		t.Helper()
		got, err := TimeIn(in, layouts, loc)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("TimeIn(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	f("06/26/2018 10:58:54 AM", us, nil, time.Date(2018, 6, 26, 2, 58, 54, 0, time.UTC))
	f("06/26/2018 10:58:54 PM", us, nil, time.Date(2018, 6, 26, 14, 58, 54, 0, time.UTC))
	f("06/26/2018 10:58:54 AM", us, ny, time.Date(2018, 6, 26, 14, 58, 54, 0, time.UTC)) // EDT, UTC-4
	f("01/15/2018", us, ny, time.Date(2018, 1, 15, 5, 0, 0, 0, time.UTC))                // EST, UTC-5
	f("２０１８-06-26T10:58:54+02:00", []string{time.RFC3339}, ny, time.Date(2018, 6, 26, 8, 58, 54, 0, time.UTC))

	bad := func(in string, layouts []string) {
		t.Helper()
		if got, err := TimeIn(in, layouts, nil); err == nil {
			t.Fatalf("TimeIn(%q, %q) = %v, want an error", in, layouts, got)
		}
	}
	bad("26/06/2018", us) // day first: never guessed
	bad("2018-06-26 10:58:54", us)
	bad("", us)
	bad("06/26/2018", nil)

	d, err := DateIn("06/07/2018", []string{"02/01/2006"})
	if err != nil || d != time.Date(2018, 7, 6, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("DateIn day-first = %v, %v", d, err)
	}
	d, err = DateIn("07/06/2018 11:30 PM", []string{"01/02/2006 03:04 PM"})
	if err != nil || d != time.Date(2018, 7, 6, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("DateIn with time = %v, %v", d, err)
	}
}

func TestCheckLayout(t *testing.T) {
	for _, l := range []string{"01/02/2006 03:04:05 PM", "2006-01-02", "02.01.2006", time.RFC3339, "Jan 2, 2006"} {
		if err := CheckLayout(l); err != nil {
			t.Errorf("CheckLayout(%q): %v", l, err)
		}
	}
	for _, l := range []string{"", "15:04", "2006-01", "yyyy-mm-dd", "dd/mm/yyyy"} {
		if err := CheckLayout(l); err == nil {
			t.Errorf("CheckLayout(%q) accepted", l)
		}
	}
}

func FuzzTimeIn(f *testing.F) {
	for _, s := range []string{"06/26/2018 10:58:54 AM", "01/15/2018", "", "13/45/2018", "\xff"} {
		f.Add(s)
	}
	layouts := []string{"01/02/2006 03:04:05 PM", "01/02/2006"}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := TimeIn(s, layouts, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("TimeIn(%q): error %T", s, err)
			}
			return
		}
		if got.Location() != time.UTC || got.Year() < 999 || got.Year() > 10000 {
			t.Fatalf("TimeIn(%q) = %v", s, got)
		}
		// What was read writes back to a value the layouts read the same.
		again, err := TimeIn(got.In(shanghai).Format(layouts[0]), layouts, nil)
		if err != nil || !again.Equal(got) {
			t.Fatalf("TimeIn(%q) = %v, round trip %v, %v", s, got, again, err)
		}
	})
}

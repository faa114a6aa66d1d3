package config

import (
	"strings"
	"testing"

	"github.com/residenthub/residenthub/schema"
)

func TestTimes(t *testing.T) {
	with := func(times string) string {
		return strings.Replace(validSource, "    settings:", "    times: "+times+"\n    settings:", 1)
	}
	f := func(yaml, wantErr string) {
		t.Helper()
		_, err := Parse([]byte(yaml))
		if (wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("times %q: %v, want error containing %q", yaml, err, wantErr)
		}
	}
	f(with(`{zone: America/New_York, layouts: ["01/02/2006 03:04:05 PM", "01/02/2006"]}`), "")
	f(with(`{fields: {birth_date: ["02.01.2006"], source_time: ["2006-01-02 15:04"]}}`), "")
	f(with(`{zone: Mars/Olympus}`), `times.zone "Mars/Olympus"`)
	f(with(`{layouts: ["dd/mm/yyyy"]}`), `layout "dd/mm/yyyy"`)
	f(with(`{fields: {name: ["2006-01-02"]}}`), `"name" is not a date or datetime field`)
	f(with(`{fields: {birth_date: []}}`), "at least one layout")

	cfg, err := Parse([]byte(with(`{zone: America/New_York, layouts: ["01/02/2006"], fields: {source_time: ["2006-01-02 15:04"]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	src := cfg.Sources[0]
	if l, loc := src.TimeLayouts("birth_date"); len(l) != 1 || l[0] != "01/02/2006" || loc.String() != "America/New_York" {
		t.Fatalf("birth_date layouts %v in %v", l, loc)
	}
	if l, _ := src.TimeLayouts("source_time"); len(l) != 1 || l[0] != "2006-01-02 15:04" {
		t.Fatalf("source_time layouts %v", l)
	}
	cfg, _ = Parse([]byte(validSource))
	if l, loc := cfg.Sources[0].TimeLayouts("birth_date"); l != nil || loc != nil {
		t.Fatalf("no times: %v %v", l, loc)
	}
	cfg, _ = Parse([]byte(with(`{layouts: ["01/02/2006"]}`)))
	if _, loc := cfg.Sources[0].TimeLayouts("x"); loc != schema.ChinaTime {
		t.Fatalf("default zone %v", loc)
	}
}

package profile

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
)

func TestUnknownTimesAreNull(t *testing.T) {
	h, err := facts.Make("health", map[string]any{"health_code_colour": "green"})
	if err != nil {
		t.Fatal(err)
	}
	h.Evidence = facts.Evidence{Dataset: "health", Source: "health", SourceTime: time.Unix(1e9, 0), IngestTime: time.Unix(1e9, 0)}
	b, err := json.Marshal(map[string]any{"f": Freshness{Dataset: "health", DatasetRows: 3,
		DatasetSourceTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}, "h": h})
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"latest_source_time":null`, `"dataset_ingest_time":null`, `"dataset_source_time":"2026-10-31T16:00:00Z"`,
		`"dataset_rows":3`, `"dataset":"health"`, `"health_code_time":null`, `"health_code_colour":"green"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "0001-01-01") || strings.Count(got, "latest_source_time") != 1 {
		t.Errorf("%s", got)
	}
}

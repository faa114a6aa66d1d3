package profile

import (
	"encoding/json"
	"time"
)

// JSON of the profile's instants: an unknown time (no records) is null,
// never Go's zero time "0001-01-01T00:00:00Z" (records write unknown
// instants as null themselves, facts.Record). Every other field is written
// as its tag says (the type is embedded, so fields added later are written
// too).

// MarshalJSON writes Freshness with null for the times of a dataset or a
// person without records.
func (f Freshness) MarshalJSON() ([]byte, error) {
	type plain Freshness
	return json.Marshal(struct {
		plain
		LatestSourceTime  *time.Time `json:"latest_source_time"`
		LatestIngestTime  *time.Time `json:"latest_ingest_time"`
		DatasetSourceTime *time.Time `json:"dataset_source_time"`
		DatasetIngestTime *time.Time `json:"dataset_ingest_time"`
	}{plain(f), instant(f.LatestSourceTime), instant(f.LatestIngestTime), instant(f.DatasetSourceTime), instant(f.DatasetIngestTime)})
}

// instant is t in UTC, or nil for the zero time.
func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

package record

import (
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// valueFor is value with the source's explicit date/time layouts
// (config.Source.TimeLayouts): a date or datetime field that has layouts is
// read with them only, in the source's zone (normalize.DateIn, TimeIn),
// never guessed; every other field, and one without layouts, goes to value.
func valueFor(src *config.Source, f schema.Field, raw string, now time.Time) (any, []string, error) {
	if f.Kind == schema.KindDate || f.Kind == schema.KindDateTime {
		if layouts, loc := src.TimeLayouts(f.Name); len(layouts) > 0 {
			if f.Kind == schema.KindDate {
				d, err := normalize.DateIn(raw, layouts)
				if err != nil {
					return nil, nil, err
				}
				return d.Format(time.DateOnly), nil, nil
			}
			t, err := normalize.TimeIn(raw, layouts, loc)
			if err != nil {
				return nil, nil, err
			}
			return dateTimeInRange(t.Truncate(time.Second))
		}
	}
	return value(f, raw, src.CodeMappings[f.Name], now)
}

// dateTimeInRange rejects an instant ClickHouse DateTime cannot hold.
func dateTimeInRange(t time.Time) (any, []string, error) {
	if t.Before(minStoredTime) || t.After(maxDateTime) {
		return nil, nil, &Reject{Reason: "is outside 1970-01-01..2106-02-07 UTC, which ClickHouse DateTime cannot hold"}
	}
	return t, nil, nil
}

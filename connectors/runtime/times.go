package runtime

import (
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/normalize"
)

// sourceTime reads a row's source_time value: with the source's configured
// layouts and zone (config.Source.TimeLayouts("source_time")) only, when it
// has any, else connectors.ParseSourceTime. UTC.
func sourceTime(src *config.Source, v string) (time.Time, error) {
	if layouts, loc := src.TimeLayouts("source_time"); len(layouts) > 0 {
		return normalize.TimeIn(v, layouts, loc)
	}
	return connectors.ParseSourceTime(v)
}

package config

import (
	"fmt"
	"time"
	_ "time/tzdata" // source time zones resolve on hosts without a zone database

	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// TimeFormats is a source's explicit date/time layouts (YAML times:), for a
// department whose values the generic readers cannot take (US style
// "06/26/2018 10:58:54 AM", day-first dates) or whose clock is not China
// Standard Time. Layouts are Go reference layouts ("01/02/2006 03:04:05 PM",
// "02.01.2006"); when a field has layouts, only they are tried, in order —
// never a guess between DD/MM and MM/DD.
type TimeFormats struct {
	// Zone is the IANA time zone ("America/New_York", "UTC") of values
	// written without an offset; default Asia/Shanghai. It applies to the
	// configured layouts.
	Zone string `yaml:"zone"`
	// Layouts apply to every date and datetime field and to source_time.
	Layouts []string `yaml:"layouts"`
	// Fields overrides Layouts per canonical field name (or "source_time").
	Fields map[string][]string `yaml:"fields"`

	loc *time.Location
}

// TimeLayouts returns the layouts configured for canonical field (or
// "source_time") and the zone to read them in; nil layouts mean the generic
// readers (normalize.Date, normalize.DateTime, connectors.ParseSourceTime).
func (s *Source) TimeLayouts(field string) ([]string, *time.Location) {
	t := s.Times
	if t == nil {
		return nil, nil
	}
	loc := t.loc
	if loc == nil {
		loc = schema.ChinaTime
	}
	if l, ok := t.Fields[field]; ok {
		return l, loc
	}
	return t.Layouts, loc
}

// validateTimes checks the zone, every layout, and that per-field layouts
// name a date or datetime field of the dataset (or source_time).
func (s *Source) validateTimes(ds schema.Dataset) error {
	t := s.Times
	if t == nil {
		return nil
	}
	if t.Zone != "" {
		loc, err := time.LoadLocation(t.Zone)
		if err != nil {
			return fmt.Errorf("times.zone %q: not an IANA time zone like Asia/Shanghai or America/New_York", t.Zone)
		}
		t.loc = loc
	}
	check := func(where string, layouts []string) error {
		for _, l := range layouts {
			if err := normalize.CheckLayout(l); err != nil {
				return fmt.Errorf("%s: layout %q: want a Go reference layout like \"01/02/2006 03:04:05 PM\" (2006 year, 01 month, 02 day, 15 or 03 PM hour, 04 minute, 05 second)", where, l)
			}
		}
		return nil
	}
	if err := check("times.layouts", t.Layouts); err != nil {
		return err
	}
	for name, layouts := range t.Fields {
		if name != "source_time" {
			f, ok := ds.Field(name)
			if !ok || (f.Kind != schema.KindDate && f.Kind != schema.KindDateTime) {
				return fmt.Errorf("times.fields: %q is not a date or datetime field of dataset %s (nor source_time)", name, ds.Name)
			}
		}
		if len(layouts) == 0 {
			return fmt.Errorf("times.fields.%s: at least one layout", name)
		}
		if err := check("times.fields."+name, layouts); err != nil {
			return err
		}
	}
	return nil
}

package profile

import (
	"sort"
	"time"

	"github.com/residenthub/residenthub/facts"
)

// identityConflicts compares the current person records ps of one ID number
// (one per source record) across sources and returns the identity fields
// that differ, sorted by field. Each source counts with its latest record
// (source_time, then ingest_time, then record key); records of one source
// are not compared with each other (as the pipelines' identity_conflict
// table). Unknown values (empty name, unknown birth date) conflict with
// nothing. Pure.
func identityConflicts(ps []facts.Record) []facts.IdentityConflict {
	latest := map[string]facts.Record{}
	for _, p := range ps {
		cur, ok := latest[p.Evidence.Source]
		if !ok || newerPerson(p, cur) {
			latest[p.Evidence.Source] = p
		}
	}
	if len(latest) < 2 {
		return nil
	}
	fields := []struct {
		name  string
		value func(facts.Record) string
	}{
		{facts.ConflictBirthDate, func(p facts.Record) string {
			d := p.Date("birth_date")
			if d.IsZero() {
				return ""
			}
			return d.Format(time.DateOnly)
		}},
		{facts.ConflictName, func(p facts.Record) string { return p.Str("name") }},
	}
	var out []facts.IdentityConflict
	for _, f := range fields {
		values := map[string]string{}
		distinct := map[string]bool{}
		for src, p := range latest {
			if v := f.value(p); v != "" {
				values[src] = v
				distinct[v] = true
			}
		}
		if len(distinct) > 1 {
			c := facts.IdentityConflict{Field: f.name, Values: values}
			for src := range values {
				c.Sources = append(c.Sources, src)
			}
			sort.Strings(c.Sources)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// newerPerson reports whether a is a later version than b (source_time, then
// ingest_time, then record key), so the choice does not depend on read order.
func newerPerson(a, b facts.Record) bool {
	ea, eb := a.Evidence, b.Evidence
	if !ea.SourceTime.Equal(eb.SourceTime) {
		return ea.SourceTime.After(eb.SourceTime)
	}
	if !ea.IngestTime.Equal(eb.IngestTime) {
		return ea.IngestTime.After(eb.IngestTime)
	}
	return ea.RecordKey > eb.RecordKey
}

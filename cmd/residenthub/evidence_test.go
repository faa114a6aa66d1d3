package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/store"
)

// historyFacts is what the history tables say about some persons, read here
// without the read side or package profile, as an oracle for the answers'
// evidence: per person, the current records (the latest version of each
// source record, unless it is a delete) of each dataset as evidence keys
// "dataset|source|record_key|source_time" (Unix seconds), and the household
// of the current person record (the latest source_time among the sources').
type historyFacts struct {
	records   map[string]map[string][]string // id → dataset → keys
	household map[string]string
}

func readHistoryFacts(ctx context.Context, conn driver.Conn, database string, ids []string) (*historyFacts, error) {
	out := &historyFacts{records: map[string]map[string][]string{}, household: map[string]string{}}
	type version struct {
		id, source, key, household string
		st, it                     time.Time
		deleted                    uint8
	}
	for _, ds := range []string{"person", "residence", "social_insurance", "employment", "health", "asset"} {
		tb, err := ext.NewTable("_ids", ext.Column("id", "String"))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := tb.Append(id); err != nil {
				return nil, err
			}
		}
		hh := "''"
		if ds == "person" {
			hh = "household_id"
		}
		q := fmt.Sprintf("SELECT id_number, source, record_key, %s, source_time, ingest_time, deleted FROM %s.%s WHERE id_number IN _ids", hh, store.QuoteIdent(database), ds)
		rows, err := conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(tb)), q)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", ds, err)
		}
		latest := map[[3]string]version{}
		for rows.Next() {
			var v version
			if err := rows.Scan(&v.id, &v.source, &v.key, &v.household, &v.st, &v.it, &v.deleted); err != nil {
				rows.Close()
				return nil, err
			}
			k := [3]string{v.id, v.source, v.key}
			if cur, ok := latest[k]; !ok || v.st.After(cur.st) || v.st.Equal(cur.st) && v.it.After(cur.it) {
				latest[k] = v
			}
		}
		rows.Close()
		best := map[string]version{}
		for _, v := range latest {
			if v.deleted != 0 {
				continue
			}
			if ds == "person" {
				// The profile's person: the latest source_time of the sources' records.
				if cur, ok := best[v.id]; !ok || v.st.After(cur.st) {
					best[v.id] = v
				}
				continue
			}
			if out.records[v.id] == nil {
				out.records[v.id] = map[string][]string{}
			}
			out.records[v.id][ds] = append(out.records[v.id][ds], fmt.Sprintf("%s|%s|%s|%d", ds, v.source, v.key, v.st.Unix()))
		}
		for id, v := range best {
			if out.records[id] == nil {
				out.records[id] = map[string][]string{}
			}
			out.records[id][ds] = []string{fmt.Sprintf("%s|%s|%s|%d", ds, v.source, v.key, v.st.Unix())}
			out.household[id] = v.household
		}
	}
	return out, nil
}

// evidence returns the sorted evidence keys of the persons in the datasets.
func (f *historyFacts) evidence(ids []string, datasets ...string) []string {
	var out []string
	for _, id := range ids {
		for _, ds := range datasets {
			out = append(out, f.records[id][ds]...)
		}
	}
	sort.Strings(out)
	return out
}

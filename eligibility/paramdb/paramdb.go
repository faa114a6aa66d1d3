// Package paramdb publishes the eligibility programs' effective-dated
// parameters (the dibao standard, asset limits, ...) to ClickHouse, table
// program_parameter_history of the analytics database (migration 0120), so
// that analysts' queries read the
// value in force on their day from the analytics view program_parameter
// instead of a copy typed into the query that goes stale when a program
// file gets a new value.
package paramdb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/store"
)

// Row is one value of one parameter of one program, as stored.
type Row struct {
	Program, Parameter string
	// EffectiveFrom is the first day the value is in force (a calendar day
	// of the program file, no time zone).
	EffectiveFrom time.Time
	// Value is the value as text: an integer in decimal (fen, months, ...,
	// as the program file gives it), the string itself, or JSON for a list.
	Value              string
	SourceZh, SourceEn string
}

// Rows returns every parameter value of the programs, sorted by program,
// parameter and effective_from.
func Rows(programs []*eligibility.Program) []Row {
	var rows []Row
	for _, p := range programs {
		for name, vals := range p.Parameters {
			for _, v := range vals {
				rows = append(rows, Row{Program: p.ID, Parameter: name, EffectiveFrom: day(v.EffectiveFrom),
					Value: valueText(v.Value), SourceZh: v.Source.Zh, SourceEn: v.Source.En})
			}
		}
	}
	sortRows(rows)
	return rows
}

// Publish writes the parameters of every program whose rows differ from
// its latest publication in database db (the analytics database), all stamped
// with one published_at: now, or a second after that program's latest
// publication when that is not earlier (the analytics view keeps each
// program's rows of its greatest published_at). It returns the ids of the
// programs it published; an unchanged program is not written again, so API
// processes that restart or run side by side add no rows.
func Publish(ctx context.Context, conn driver.Conn, db string, programs []*eligibility.Program, now time.Time) ([]string, error) {
	latest, at, err := Latest(ctx, conn, db)
	if err != nil {
		return nil, err
	}
	byProgram := map[string][]Row{}
	for _, r := range Rows(programs) {
		byProgram[r.Program] = append(byProgram[r.Program], r)
	}
	var changed []string
	for id := range byProgram {
		if !slices.Equal(byProgram[id], latest[id]) {
			changed = append(changed, id)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	sort.Strings(changed)
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+store.QuoteIdent(db)+".program_parameter_history (program, parameter, effective_from, value, source_zh, source_en, published_at)")
	if err != nil {
		return nil, fmt.Errorf("cannot prepare the program parameters insert: %w", err)
	}
	defer func() { _ = batch.Abort() }()
	for _, id := range changed {
		stamp := now.UTC().Truncate(time.Second)
		if prev, ok := at[id]; ok && !stamp.After(prev) {
			stamp = prev.Add(time.Second)
		}
		for _, r := range byProgram[id] {
			if err := batch.Append(r.Program, r.Parameter, r.EffectiveFrom, r.Value, r.SourceZh, r.SourceEn, stamp); err != nil {
				return nil, fmt.Errorf("cannot add parameter %s of %s: %w", r.Parameter, r.Program, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("cannot write the program parameters: %w", err)
	}
	return changed, nil
}

// Latest reads each program's latest publication from database db: its
// rows (sorted as Rows sorts them) and its published_at (UTC).
func Latest(ctx context.Context, conn driver.Conn, db string) (map[string][]Row, map[string]time.Time, error) {
	t := store.QuoteIdent(db) + ".program_parameter_history"
	rows, err := conn.Query(ctx, "SELECT program, parameter, effective_from, value, source_zh, source_en, published_at FROM "+t+
		" WHERE (program, published_at) IN (SELECT program, max(published_at) FROM "+t+" GROUP BY program)")
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the published program parameters: %w", err)
	}
	defer rows.Close()
	out, at := map[string][]Row{}, map[string]time.Time{}
	for rows.Next() {
		var r Row
		var published time.Time
		if err := rows.Scan(&r.Program, &r.Parameter, &r.EffectiveFrom, &r.Value, &r.SourceZh, &r.SourceEn, &published); err != nil {
			return nil, nil, fmt.Errorf("cannot read the published program parameters: %w", err)
		}
		r.EffectiveFrom = day(r.EffectiveFrom)
		out[r.Program] = append(out[r.Program], r)
		at[r.Program] = published.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("cannot read the published program parameters: %w", err)
	}
	for id := range out {
		sortRows(out[id])
	}
	return out, at, nil
}

func sortRows(rows []Row) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Program != b.Program {
			return a.Program < b.Program
		}
		if a.Parameter != b.Parameter {
			return a.Parameter < b.Parameter
		}
		return a.EffectiveFrom.Before(b.EffectiveFrom)
	})
}

// day is t's calendar date at midnight UTC, the form a ClickHouse Date
// column reads back.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// valueText writes a parameter value the way the program file gives it:
// integers in decimal, other numbers without an exponent, text as it is,
// lists and maps as JSON.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default: // lists and maps
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
		return fmt.Sprint(x)
	}
}

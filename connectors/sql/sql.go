// Package sqlconn is the connector kind that pulls from department databases:
// PostgreSQL (pgx) and MySQL/MariaDB (go-sql-driver/mysql), from a table or a
// query, as a full snapshot or incrementally by a timestamp or integer
// (version, sequence) cursor with a tie-breaking key. It reads in pages
// (keyset pagination), never a whole table at once. See README.md for how
// the cursor avoids losing rows.
package sqlconn

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
)

// Conn pulls one source from its database.
type Conn struct {
	s    Settings
	name string
	loc  *time.Location
	now  func() time.Time

	mu sync.Mutex
	db *sql.DB
}

var (
	_ connectors.Puller = (*Conn)(nil)
	_ io.Closer         = (*Conn)(nil) // the scheduler closes the pool in Stop
)

// New is the sql kind's connectors.Factory. It validates the settings; the
// database is first contacted by a run, so the hub starts while a
// department's database is down.
func New(src *config.Source) (connectors.Puller, error) {
	s, err := decodeSettings(src)
	if err != nil {
		return nil, err
	}
	loc, err := location(s.TimeZone)
	if err != nil {
		return nil, err
	}
	c := &Conn{s: s, name: src.Name, loc: loc, now: time.Now}
	if w := c.LateCommitWindow(); strings.HasPrefix(w, "WARNING:") {
		slog.Warn("sql source not protected against late commits", "source", src.Name, "late_commit_window", w)
	}
	return c, nil
}

// open returns the connection pool, creating it on first use.
func (c *Conn) open() (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != nil {
		return c.db, nil
	}
	dsn := c.s.DSN
	if c.s.DSNEnv != "" {
		var err error
		if dsn, err = connectors.Secret(c.s.DSNEnv); err != nil {
			return nil, err
		}
	}
	if c.s.Driver == "mysql" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("cannot parse MySQL DSN (not shown): %v", strings.ReplaceAll(err.Error(), dsn, "<dsn>"))
		}
		// DATETIME values are read and written in the department's zone,
		// and the session zone matches it for TIMESTAMP columns.
		cfg.ParseTime = true
		cfg.Loc = c.loc
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		if _, ok := cfg.Params["time_zone"]; !ok {
			cfg.Params["time_zone"] = "'" + time.Now().In(c.loc).Format("-07:00") + "'"
		}
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, fmt.Errorf("cannot configure MySQL connection: %w", err)
		}
		c.db = sql.OpenDB(connector)
	} else {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("cannot open PostgreSQL database: %w", err)
		}
		c.db = db
	}
	db := c.db
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Close closes the connection pool; runtime.Scheduler.Stop calls it once
// no run is in progress. A later run opens a new pool.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil {
		return nil
	}
	err := c.db.Close()
	c.db = nil
	return err
}

// quote quotes an identifier, "schema.table" part by part.
func (c *Conn) quote(name string) string {
	q := `"`
	if c.s.Driver == "mysql" {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

// relation is the FROM clause: the table, or the query as a sub-query.
func (c *Conn) relation() string {
	if c.s.Table != "" {
		return c.quote(c.s.Table) + " AS q"
	}
	return "(" + strings.TrimRight(strings.TrimSpace(c.s.Query), ";") + ") AS q"
}

// query builds SELECT * ... WHERE conds ORDER BY order LIMIT page_size; conds
// use "?" for parameters, rewritten to $n for PostgreSQL.
func (c *Conn) query(conds []string, order ...string) string {
	var b strings.Builder
	b.WriteString("SELECT * FROM ")
	b.WriteString(c.relation())
	if len(conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY ")
	for i, o := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("q." + c.quote(o))
	}
	b.WriteString(" LIMIT " + strconv.Itoa(c.s.PageSize))
	sqlText := b.String()
	if c.s.Driver == "postgres" {
		var out strings.Builder
		n := 0
		for _, r := range sqlText {
			if r == '?' {
				n++
				out.WriteString("$" + strconv.Itoa(n))
				continue
			}
			out.WriteRune(r)
		}
		sqlText = out.String()
	}
	return sqlText
}

// col is "q.<quoted column>".
func (c *Conn) col(name string) string { return "q." + c.quote(name) }

// page runs one query and returns its rows (values normalized for the
// envelope) with each row's raw cursor and key values.
func (c *Conn) page(ctx context.Context, db *sql.DB, q string, args []any) ([]dbRow, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot query %s: %w", c.name, err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("cannot read columns: %w", err)
	}
	var out []dbRow
	for rows.Next() {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("cannot scan row: %w", err)
		}
		r := dbRow{values: make(map[string]any, len(cols)), raw: make(map[string]any, len(cols))}
		for i, ct := range cols {
			r.raw[ct.Name()] = raw[i]
			r.values[ct.Name()] = c.normalize(ct.DatabaseTypeName(), raw[i])
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read rows: %w", err)
	}
	return out, nil
}

type dbRow struct {
	values map[string]any // for the envelope
	raw    map[string]any // as scanned, for cursors
}

// normalize makes database values canonical for FormatValue: dates as
// 2006-01-02, zone-less PostgreSQL timestamps read in the department's zone.
func (c *Conn) normalize(typeName string, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	switch {
	case typeName == "DATE":
		return t.Format("2006-01-02")
	case typeName == "TIMESTAMP" && c.s.Driver == "postgres":
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc)
	}
	return t
}

// Pull implements connectors.Puller.
func (c *Conn) Pull(ctx context.Context, run *connectors.Run) error {
	db, err := c.open()
	if err != nil {
		return err
	}
	cur, err := decodeCursor(run.Cursor)
	if err != nil {
		return err
	}
	if c.s.Mode == "snapshot" {
		return c.snapshot(ctx, db, run, cur)
	}
	before := run.Rows() + run.Rejected()
	if err := c.incremental(ctx, db, run, cur); err != nil {
		return err
	}
	if run.Rows()+run.Rejected() > before {
		if next, err := decodeCursor(run.Cursor); err == nil && next.TS != nil {
			if w := cursorDrift(*next.TS, c.now(), c.s.Delay); w != "" {
				run.Logger.Warn("sql source cursor far from now", "source", c.name, "warning", w)
			}
		}
	}
	return nil
}

func (c *Conn) origin(r dbRow) string {
	k, _ := connectors.FormatValue(r.raw[c.s.TieBreaker])
	return c.name + " " + c.s.TieBreaker + "=" + k
}

// snapshot reads the whole relation in key order, page by page; a run that
// fails resumes the pass after the last published page.
func (c *Conn) snapshot(ctx context.Context, db *sql.DB, run *connectors.Run, cur cursor) error {
	after := cur.Key
	for {
		var conds []string
		var args []any
		if after != nil {
			a, err := after.arg()
			if err != nil {
				return err
			}
			conds, args = append(conds, c.col(c.s.TieBreaker)+" > ?"), append(args, a)
		}
		rows, err := c.page(ctx, db, c.query(conds, c.s.TieBreaker), args)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		out := make([]connectors.Row, len(rows))
		for i, r := range rows {
			out[i] = connectors.Row{Values: r.values, Origin: c.origin(r)}
		}
		k, err := toValue(rows[len(rows)-1].raw[c.s.TieBreaker])
		if err != nil {
			return fmt.Errorf("tie_breaker column %q %w", c.s.TieBreaker, err)
		}
		after = &k
		if err := run.Emit(ctx, out, cursor{Key: after}.String()); err != nil {
			return err
		}
		if len(rows) < c.s.PageSize {
			break
		}
	}
	return run.Emit(ctx, nil, cursor{Completed: c.now().UTC().Format(time.RFC3339)}.String())
}

// incremental reads rows with cursor_column from the last checkpoint
// (inclusive, minus lookback or lookback_rows) up to now - delay (time
// cursors), in (cursor_column,
// tie_breaker) order, skipping the (cursor value, key) pairs already
// published, and checkpoints after every page. Rows whose cursor_column is
// NULL are never read.
func (c *Conn) incremental(ctx context.Context, db *sql.DB, run *connectors.Run, cur cursor) error {
	ctype, err := c.cursorType(ctx, db)
	if err != nil {
		return err
	}
	isTime := ctype == cursorTime
	seen := newSeen(cur.Seen)
	ts := cur.TS
	upper := c.now().Add(-c.s.Delay).In(c.loc)
	var after *[2]value // keyset position within this run
	for {
		cc, kc := c.col(c.s.CursorColumn), c.col(c.s.TieBreaker)
		// A NULL cursor value cannot be placed before or after the cursor:
		// such rows are not pulled (MySQL would sort them first and every
		// run would fail on them).
		conds := []string{cc + " IS NOT NULL"}
		var args []any
		switch {
		case after != nil:
			a0, err := after[0].arg()
			if err != nil {
				return err
			}
			a1, err := after[1].arg()
			if err != nil {
				return err
			}
			conds = append(conds, "("+cc+" > ? OR ("+cc+" = ? AND "+kc+" > ?))")
			args = append(args, a0, a0, a1)
		case ts != nil:
			lo, err := ts.minus(c.s.Lookback, c.s.LookbackRows).arg()
			if err != nil {
				return err
			}
			conds, args = append(conds, cc+" >= ?"), append(args, lo)
		}
		if isTime && c.s.Delay > 0 {
			conds, args = append(conds, cc+" <= ?"), append(args, upper)
		}
		rows, err := c.page(ctx, db, c.query(conds, c.s.CursorColumn, c.s.TieBreaker), args)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		var out []connectors.Row
		for _, r := range rows {
			cv, err := toValue(r.raw[c.s.CursorColumn])
			if err != nil {
				return fmt.Errorf("cursor_column %q %w", c.s.CursorColumn, err)
			}
			kv, err := toValue(r.raw[c.s.TieBreaker])
			if err != nil {
				return fmt.Errorf("tie_breaker column %q %w", c.s.TieBreaker, err)
			}
			after = &[2]value{cv, kv}
			if seen.has(cv, kv) {
				continue
			}
			seen.add(cv, kv)
			if ts == nil || compare(cv, *ts) > 0 {
				v := cv
				ts = &v
			}
			out = append(out, connectors.Row{Values: r.values, Origin: c.origin(r)})
		}
		if ts != nil {
			next := cursor{TS: ts, Seen: seen.prune(ts.minus(c.s.Lookback, c.s.LookbackRows), c.s.MaxSeen)}
			if err := run.Emit(ctx, out, next.String()); err != nil {
				return err
			}
		}
		if len(rows) < c.s.PageSize {
			return nil
		}
	}
}

// cursorType checks that the cursor and key columns exist, classifies the
// cursor column (time, integer, other) and checks that the settings' re-read
// window fits it (Settings.checkCursorType).
func (c *Conn) cursorType(ctx context.Context, db *sql.DB) (cursorType, error) {
	q := "SELECT * FROM " + c.relation() + " WHERE 1=0"
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("cannot query %s: %w", c.name, err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return 0, fmt.Errorf("cannot read columns: %w", err)
	}
	var ctype cursorType
	var dbType string
	var hasCursor, hasKey bool
	for _, ct := range cols {
		// Not a switch: cursor_column and tie_breaker may name the same
		// column (an increasing primary key).
		if ct.Name() == c.s.CursorColumn {
			hasCursor = true
			dbType = ct.DatabaseTypeName()
			ctype = cursorTypeOf(dbType)
		}
		if ct.Name() == c.s.TieBreaker {
			hasKey = true
		}
	}
	if !hasCursor || !hasKey {
		return 0, fmt.Errorf("%s has no column %q or %q (cursor_column, tie_breaker)", c.name, c.s.CursorColumn, c.s.TieBreaker)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("cannot read columns: %w", err)
	}
	if err := c.s.checkCursorType(ctype, dbType); err != nil {
		return 0, err
	}
	return ctype, nil
}

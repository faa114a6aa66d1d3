package sqlconn

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"gopkg.in/yaml.v3"
)

// Settings are the sql kind's settings (source "settings:").
type Settings struct {
	Driver string `yaml:"driver"` // postgres or mysql (MySQL and MariaDB)
	// DSN is the connection string (pgx URL/keyword form, or go-sql-driver
	// form user:pass@tcp(host:port)/db). Prefer DSNEnv for DSNs with a
	// password: the DSN is never logged.
	DSN    string `yaml:"dsn"`
	DSNEnv string `yaml:"dsn_env"` // name of the environment variable holding the DSN
	// Table ("schema.table") or Query (a SELECT; wrapped as a sub-query):
	// exactly one.
	Table string `yaml:"table"`
	Query string `yaml:"query"`
	// Mode: snapshot (every run reads everything) or incremental (default;
	// only rows changed since the cursor).
	Mode string `yaml:"mode"`
	// CursorColumn is the "last changed" column (timestamp, date-time or
	// integer); incremental mode.
	CursorColumn string `yaml:"cursor_column"`
	// TieBreaker is a unique column (usually the primary key) ordering rows
	// within one cursor value, and the snapshot paging key; required.
	TieBreaker string `yaml:"tie_breaker"`
	// PageSize is rows per query, Kafka write and checkpoint; default 1000.
	PageSize int `yaml:"page_size"`
	// Delay: only rows with cursor_column <= now - delay are read, so
	// transactions that took their timestamp up to Delay before committing
	// are not skipped; default 30s. Time cursors only: set explicitly (> 0)
	// with an integer or text cursor column it fails the run.
	Delay time.Duration `yaml:"delay"`
	// Lookback re-reads rows with cursor_column >= last cursor - lookback on
	// every run, skipping those already published (de-duplicated by cursor
	// value and key); for transactions that may commit later than Delay.
	// Default 0: only the last cursor value itself is re-read. Time cursors
	// only (> 0 with another cursor column fails the run).
	Lookback time.Duration `yaml:"lookback"`
	// LookbackRows is Lookback for an integer cursor column (a version
	// counter or sequence): every run re-reads cursor_column >= last cursor
	// - LookbackRows, i.e. the last N cursor values (for a sequence, the
	// last N values handed out, committed or not), skipping the (cursor
	// value, key) pairs already published. For transactions that take a
	// value and commit after later values were read. Default 0. Integer
	// cursors only (> 0 with a time cursor column fails the run).
	LookbackRows int64 `yaml:"lookback_rows"`
	// MaxSeen caps the (cursor value, key) pairs kept in the checkpoint for
	// de-duplication; beyond it the oldest are dropped, which can repeat
	// (never lose) rows. Default 100000.
	MaxSeen int `yaml:"max_seen"`
	// TimeZone of date-times stored without a zone (PostgreSQL timestamp,
	// MySQL DATETIME); default Asia/Shanghai (UTC+8).
	TimeZone string `yaml:"time_zone"`

	// delaySet says the settings name delay (the default 30s applies to
	// time cursors only and is no error with another cursor column).
	delaySet bool
}

func decodeSettings(src *config.Source) (Settings, error) {
	s := Settings{Mode: "incremental", PageSize: 1000, Delay: 30 * time.Second, MaxSeen: 100000, TimeZone: "Asia/Shanghai"}
	if err := connectors.DecodeSettings(src, &s); err != nil {
		return s, err
	}
	switch s.Driver {
	case "postgres", "mysql":
	case "postgresql", "pgx":
		s.Driver = "postgres"
	case "mariadb":
		s.Driver = "mysql"
	default:
		return s, fmt.Errorf("settings.driver %q: want postgres or mysql", s.Driver)
	}
	if (s.DSN == "") == (s.DSNEnv == "") {
		return s, errors.New("settings: set exactly one of dsn and dsn_env")
	}
	if (s.Table == "") == (strings.TrimSpace(s.Query) == "") {
		return s, errors.New("settings: set exactly one of table and query")
	}
	if s.TieBreaker == "" {
		return s, errors.New("settings.tie_breaker is required (a unique column, usually the primary key)")
	}
	switch s.Mode {
	case "snapshot":
	case "incremental":
		if s.CursorColumn == "" {
			return s, errors.New("settings.cursor_column is required in incremental mode")
		}
	default:
		return s, fmt.Errorf("settings.mode %q: want snapshot or incremental", s.Mode)
	}
	if s.PageSize < 1 || s.Delay < 0 || s.Lookback < 0 || s.LookbackRows < 0 || s.MaxSeen < 1 {
		return s, errors.New("settings: page_size and max_seen must be positive, delay, lookback and lookback_rows not negative")
	}
	if s.Lookback > 0 && s.LookbackRows > 0 {
		return s, errors.New("settings: set lookback (time cursor column) or lookback_rows (integer cursor column), not both")
	}
	s.delaySet = hasKey(&src.Settings, "delay")
	return s, nil
}

// hasKey reports whether a YAML mapping node has the key.
func hasKey(n *yaml.Node, key string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// cursorType is what the cursor column holds, by its database type: it
// decides which of delay, lookback and lookback_rows apply.
type cursorType int

const (
	cursorOther cursorType = iota // text, numeric, ...: no window
	cursorTime                    // timestamp, datetime, date: delay, lookback
	cursorInt                     // integer: lookback_rows
)

func (t cursorType) String() string {
	switch t {
	case cursorTime:
		return "a time"
	case cursorInt:
		return "an integer"
	}
	return "neither a time nor an integer"
}

// cursorTypeOf classifies a column by its database type name as reported by
// pgx (INT8, TIMESTAMPTZ, ...) or go-sql-driver/mysql (BIGINT, UNSIGNED
// BIGINT, DATETIME, ...).
func cursorTypeOf(dbType string) cursorType {
	switch strings.TrimPrefix(strings.ToUpper(dbType), "UNSIGNED ") {
	case "TIMESTAMP", "TIMESTAMPTZ", "DATETIME", "DATE":
		return cursorTime
	case "INT2", "INT4", "INT8", "SMALLINT", "INTEGER", "BIGINT", "INT", "TINYINT", "MEDIUMINT":
		return cursorInt
	}
	return cursorOther
}

// checkCursorType refuses windows that do not fit the cursor column's type
// (col is its database type name): a time lookback or an explicit delay
// would be ignored with an integer cursor, and lookback_rows with a time
// cursor, which would lose late commits silently.
func (s *Settings) checkCursorType(t cursorType, dbType string) error {
	col := fmt.Sprintf("cursor_column %q is %s (%s)", s.CursorColumn, t, dbType)
	if t != cursorTime {
		hint := "for late commits with an integer cursor set lookback_rows (re-read the last N cursor values)"
		if t != cursorInt {
			hint = "use a time or integer cursor column for a re-read window"
		}
		if s.Lookback > 0 {
			return fmt.Errorf("settings.lookback (%s) is a time window but %s: it cannot apply; %s", s.Lookback, col, hint)
		}
		if s.delaySet && s.Delay > 0 {
			return fmt.Errorf("settings.delay (%s) applies to time cursor columns only but %s: remove it; %s", s.Delay, col, hint)
		}
	}
	if t != cursorInt && s.LookbackRows > 0 {
		hint := "for a time cursor use lookback (a duration)"
		if t != cursorTime {
			hint = "lookback_rows needs an integer cursor column"
		}
		return fmt.Errorf("settings.lookback_rows is for integer cursor columns but %s: %s", col, hint)
	}
	return nil
}

// location resolves TimeZone; "Asia/Shanghai" maps to a fixed UTC+8 so no
// tz database is needed.
func location(name string) (*time.Location, error) {
	switch name {
	case "Asia/Shanghai", "Asia/Chongqing", "PRC", "CST", "+08:00":
		return connectors.Shanghai, nil
	case "UTC", "Z", "+00:00":
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("settings.time_zone %q: %w", name, err)
	}
	return loc, nil
}

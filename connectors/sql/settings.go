package sqlconn

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
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
	// are not skipped; default 30s. Time cursors only.
	Delay time.Duration `yaml:"delay"`
	// Lookback re-reads rows with cursor_column >= last cursor - lookback on
	// every run, skipping those already published (de-duplicated by cursor
	// value and key); for transactions that may commit later than Delay.
	// Default 0: only the last cursor value itself is re-read.
	Lookback time.Duration `yaml:"lookback"`
	// MaxSeen caps the (cursor value, key) pairs kept in the checkpoint for
	// de-duplication; beyond it the oldest are dropped, which can repeat
	// (never lose) rows. Default 100000.
	MaxSeen int `yaml:"max_seen"`
	// TimeZone of date-times stored without a zone (PostgreSQL timestamp,
	// MySQL DATETIME); default Asia/Shanghai (UTC+8).
	TimeZone string `yaml:"time_zone"`
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
	if s.PageSize < 1 || s.Delay < 0 || s.Lookback < 0 || s.MaxSeen < 1 {
		return s, errors.New("settings: page_size and max_seen must be positive, delay and lookback not negative")
	}
	return s, nil
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

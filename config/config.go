// Package config reads residenthub.yaml: defaults, then the file, then
// validation (the order Prometheus uses), so every role sees one checked Config.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/schema"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Config is the whole configuration of one residenthub process.
type Config struct {
	// DataDir holds what must survive a restart on this machine: the embedded
	// Kafka broker's log and the connectors' checkpoints. Relative paths are
	// resolved against the config file's folder.
	DataDir    string      `yaml:"data_dir"`
	Kafka      Kafka       `yaml:"kafka"`
	ClickHouse ClickHouse  `yaml:"clickhouse"`
	HTTP       HTTP        `yaml:"http"`
	Pipelines  Pipelines   `yaml:"pipelines"`
	Sources    []Source    `yaml:"sources"`
	APIKeys    []APIKey    `yaml:"api_keys"`
	Programs   ProgramsDir `yaml:"programs"`
	// Certificate says how the district prints residence certificates.
	Certificate Certificate `yaml:"certificate"`
	// Places names the district's communities for pages and certificates.
	Places Places `yaml:"places"`
	// Hotline configures the 12345 hotline ranking (config/hotline.go).
	Hotline Hotline `yaml:"hotline"`
	// Dir is the folder of the config file (not read from YAML).
	Dir string `yaml:"-"`
}

// ClickHouse is the native-protocol connection (port 9000 by default; HTTP is
// not supported on ClickHouse 18.16 by the client).
type ClickHouse struct {
	// Addr is host:port of the native protocol; with a cluster, a
	// comma-separated list of its servers (tried in order: the first that
	// answers serves the connection, the next on a failure).
	Addr string `yaml:"addr"`
	// Cluster names a cluster of the servers' <remote_servers> (ClickHouse
	// ≥ 18.16 with ZooKeeper): "" (the default) is one server. With a name,
	// `residenthub migrate` creates every MergeTree-family table as
	// Replicated…MergeTree <name>_local ON CLUSTER with a Distributed table
	// under the plain name, sharded by cityHash64(id_number) (store/cluster.go,
	// deploy/README.md), and every connection sends the cluster settings of
	// store.ClusterSettings (synchronous distributed inserts, no stale
	// replica, no partial shard).
	Cluster  string `yaml:"cluster"`
	Database string `yaml:"database"`
	// AnalyticsDatabase holds the de-identified views for analysts.
	AnalyticsDatabase string `yaml:"analytics_database"`
	User              string `yaml:"user"`
	Password          string `yaml:"password"`
	// PseudonymSalt keys the hash that replaces id_number (and household_id,
	// record keys) in the analytics database: person_key =
	// HMAC-SHA-256(salt, id_number) (migration 0080; MD5(salt || id_number)
	// before). Required, secret, at least MinSaltLength characters, without
	// ' or \ or control characters (the oldest migrations write it into
	// ClickHouse SQL). With a
	// known salt the small space of ID numbers can be hashed exhaustively, so
	// changing it later changes every person_key.
	PseudonymSalt string `yaml:"pseudonym_salt"`
	// ReadQueries is how many point-read queries (checks, profiles,
	// certificates) one API process runs at once; reads arriving while all
	// are busy are answered together by the next one (package profile). The
	// API reads over its own pool of ReadQueries + 2 connections.
	ReadQueries int `yaml:"read_queries"`
	// ReadCache is how many households and residents an API process keeps
	// the rows of, to answer their next read from memory while ClickHouse
	// holds nothing newer for them (package profile, cache.go); 0 turns the
	// cache off. About 4 KiB an entry.
	ReadCache int `yaml:"read_cache"`
	// ReadCachePoll is how often the read cache asks ClickHouse (system.parts)
	// for new rows: a pushed record shows in a cached read at most about
	// this long after the pipelines' insert returns (10ms to 100ms).
	ReadCachePoll time.Duration `yaml:"read_cache_poll"`
}

// HTTP is the API listener, the limits that keep slow or idle clients from
// holding it, and its admission of person reads (checks, profiles,
// certificates): MaxInFlight are served at once, up to Queue more wait at
// most QueueWait for a turn, and a read past the queue (or the wait) is
// answered 429 too_many_requests with Retry-After, never a 5xx.
type HTTP struct {
	Listen      string        `yaml:"listen"`
	MaxInFlight int           `yaml:"max_in_flight"`
	Queue       int           `yaml:"queue"`
	QueueWait   time.Duration `yaml:"queue_wait"`
	// ReadHeaderTimeout bounds reading a request's headers; ReadTimeout the
	// whole request, body included (a push of 100k records must arrive
	// within it); WriteTimeout the time from the end of the headers to the
	// end of the answer; IdleTimeout how long a keep-alive connection may
	// wait for its next request.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// MaxUnauthenticatedConns bounds the connections open that have not yet
	// shown a valid API key (package connlimit): past it the oldest idle one
	// is closed to make room for the new one.
	MaxUnauthenticatedConns int `yaml:"max_unauthenticated_connections"`
	// MaxPushBytesInFlight bounds the request bodies of pushes being read,
	// parsed and published at once (each counted at its Content-Length, or
	// at its source's max_body_bytes when unknown); a push that would go
	// over it answers 429 with Retry-After before its body is read (one push
	// alone is always admitted). Memory of the push path is a small multiple
	// of it.
	MaxPushBytesInFlight int64 `yaml:"max_push_bytes_in_flight"`
	// NameMismatches throttles name guessing (see NameMismatches).
	NameMismatches NameMismatches `yaml:"name_mismatches"`
}

// NameMismatches throttles guessing a person's name: after PerPerson names
// that do not match one ID number, or PerKey wrong names from one API key,
// within Window, every name-checked read of that person, or by that key,
// answers 429 (audited) until enough of them have left the window.
type NameMismatches struct {
	PerKey    int           `yaml:"per_key"`
	PerPerson int           `yaml:"per_person"`
	Window    time.Duration `yaml:"window"`
}

// Pipelines tunes the raw.* consumers.
type Pipelines struct {
	GroupID    string        `yaml:"group_id"`
	BatchRows  int           `yaml:"batch_rows"`  // rows per ClickHouse insert (10k–100k)
	Linger     time.Duration `yaml:"linger"`      // longest wait before a partial batch is inserted
	MaxBackoff time.Duration `yaml:"max_backoff"` // longest pause between retries while ClickHouse is down
	// MaxInFlight bounds the messages fetched from Kafka and not yet
	// committed, over all sources (0 = pipelines.DefaultMaxInFlight,
	// 120,000, or batch_rows if larger); it bounds the pipelines' memory
	// (about 1.4 KiB per message) and, with the time a batch takes, their
	// throughput.
	MaxInFlight int `yaml:"max_in_flight"`
}

// ProgramsDir optionally overrides the eligibility programs embedded in the
// binary with the YAML files of a folder.
type ProgramsDir struct {
	Dir string `yaml:"dir"`
}

// Certificate settings of the district (config certificate:).
type Certificate struct {
	// Issuer is the issuing office printed on the certificate above the
	// seal area (开具单位), e.g. 朝阳区望京街道社区便民服务大厅. Default
	// DefaultIssuer.
	Issuer string `yaml:"issuer"`
	// IDNumber says how the printed certificate shows the holder's ID
	// number: IDNumberFull (default; the document a school or employer
	// accepts) or IDNumberMasked (110105********0016). On screen the
	// counter role always sees it masked.
	IDNumber string `yaml:"id_number"`
}

// Certificate.IDNumber values.
const (
	IDNumberFull   = "full"
	IDNumberMasked = "masked"
)

// DefaultIssuer is the issuing office printed when certificate.issuer is not set.
const DefaultIssuer = "社区便民服务大厅"

// Places are the district's own names of division codes (config places:).
type Places struct {
	// Names maps 9- or 12-digit division codes to names the public tables
	// lack: communities (110105026001: 花家地社区), or a new street.
	Names map[string]string `yaml:"names"`
}

// Source is one department feed.
type Source struct {
	Name    string `yaml:"name"`    // [a-z0-9_]+; topic raw.<name>
	Kind    string `yaml:"kind"`    // connector kind: sql, http, file, push
	Dataset string `yaml:"dataset"` // canonical dataset (schema.Datasets)
	// DisplayName is how people know the department that feeds the source
	// (区公安分局户籍科, 区人社局): shown with the evidence of a decision and
	// named on certificates. Optional; at most 64 characters.
	DisplayName string `yaml:"display_name"`
	// Schedule is a robfig/cron/v3 spec, seconds optional ("*/30 * * * * *",
	// "@every 1m", "0 2 * * *"). Empty for push sources.
	Schedule string `yaml:"schedule"`
	// Key lists the department columns whose values, joined by "|", form the
	// source record key (the Kafka message key).
	Key []string `yaml:"key"`
	// SourceTime is the department column holding when the record last
	// changed; optional.
	SourceTime string `yaml:"source_time"`
	// Op optionally marks deletes: rows whose Op.Column value is in
	// Op.DeleteValues become delete operations.
	Op OpColumn `yaml:"op"`
	// Fields maps canonical field name → department column name.
	Fields map[string]string `yaml:"fields"`
	// CodeMappings maps canonical field → department value → national code,
	// for departments that use their own codes (e.g. sex "M" → "1").
	CodeMappings map[string]map[string]string `yaml:"code_mappings"`
	// Times are explicit date/time layouts and the time zone of the
	// department's values (see TimeFormats); nil: the generic readers.
	Times *TimeFormats `yaml:"times"`
	// Settings are the connector kind's own settings, decoded by that kind.
	Settings yaml.Node `yaml:"settings"`
	// BaseDir is the config file's folder (set by Load, not read from YAML):
	// relative paths in Settings resolve against it.
	BaseDir string `yaml:"-"`
}

// Path resolves a path from the source's settings: absolute paths stay, relative
// ones are taken from the config file's folder (or the working directory when
// the config was parsed from bytes).
func (s *Source) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || s.BaseDir == "" {
		return p
	}
	return filepath.Join(s.BaseDir, p)
}

// OpColumn marks delete operations in a department feed.
type OpColumn struct {
	Column       string   `yaml:"column"`
	DeleteValues []string `yaml:"delete_values"`
}

// APIKey binds a caller's key to a role (access.APIKey, defined beside the
// roles).
type APIKey = access.APIKey

// MinSaltLength is the shortest clickhouse.pseudonym_salt accepted, in
// characters.
const MinSaltLength = 12

// HashKey returns the hex SHA-256 of an API key, the form stored in the
// config (access.HashKey).
func HashKey(key string) string { return access.HashKey(key) }

// Default returns the configuration used where the file is silent.
func Default() Config {
	return Config{
		DataDir: "var",
		Kafka:   defaultKafka(),
		ClickHouse: ClickHouse{Addr: "127.0.0.1:19000", Database: "residenthub", AnalyticsDatabase: "analytics", User: "default", ReadQueries: 2,
			ReadCache: 20_000, ReadCachePoll: 100 * time.Millisecond},
		HTTP: HTTP{Listen: "127.0.0.1:8080", MaxInFlight: 64, Queue: 1024, QueueWait: 30 * time.Second,
			ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxUnauthenticatedConns: 4096, MaxPushBytesInFlight: 64 << 20,
			NameMismatches: NameMismatches{PerKey: 20, PerPerson: 5, Window: 15 * time.Minute}},
		Pipelines: Pipelines{GroupID: "residenthub-pipelines", BatchRows: 20000, Linger: 200 * time.Millisecond, MaxBackoff: 30 * time.Second},

		Certificate: Certificate{Issuer: DefaultIssuer, IDNumber: IDNumberFull},
		Hotline:     hotline.DefaultConfig(),
	}
}

// Load reads and validates a config file. Errors name the file and the field.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %w", err)
	}
	cfg, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Dir = abs
	for i := range cfg.Sources {
		cfg.Sources[i].BaseDir = abs
	}
	for _, p := range []*string{&cfg.DataDir, &cfg.Kafka.TLS.CAFile, &cfg.Kafka.TLS.CertFile, &cfg.Kafka.TLS.KeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(abs, *p)
		}
	}
	return cfg, nil
}

// Parse decodes YAML over the defaults and validates the result. Unknown
// keys are errors, so a typo does not silently fall back to a default.
func Parse(b []byte) (*Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("cannot parse YAML: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate checks the parts every role relies on; connector kinds validate
// their own Settings when they are built.
func (c *Config) Validate() error {
	if c.ClickHouse.Addr == "" || c.ClickHouse.Database == "" {
		return fmt.Errorf("clickhouse.addr and clickhouse.database are required")
	}
	if err := validateSalt(c.ClickHouse.PseudonymSalt); err != nil {
		return err
	}
	if err := validateClusterName(c.ClickHouse.Cluster); err != nil {
		return err
	}
	if err := c.Kafka.validate(); err != nil {
		return err
	}
	if c.ClickHouse.ReadQueries < 1 {
		return fmt.Errorf("clickhouse.read_queries must be at least 1")
	}
	if c.ClickHouse.ReadCache < 0 || c.ClickHouse.ReadCachePoll < 10*time.Millisecond || c.ClickHouse.ReadCachePoll > 100*time.Millisecond {
		return fmt.Errorf("clickhouse.read_cache must not be negative and clickhouse.read_cache_poll must be 10ms to 100ms (a push must show in a check within a second)")
	}
	if c.HTTP.MaxInFlight < 1 || c.HTTP.Queue < 0 || c.HTTP.QueueWait <= 0 {
		return fmt.Errorf("http.max_in_flight must be at least 1, http.queue at least 0 and http.queue_wait positive")
	}
	if h := c.HTTP; h.ReadHeaderTimeout <= 0 || h.ReadTimeout <= 0 || h.WriteTimeout <= 0 || h.IdleTimeout <= 0 {
		return fmt.Errorf("http.read_header_timeout, read_timeout, write_timeout and idle_timeout must be positive")
	}
	if c.HTTP.MaxPushBytesInFlight < 1 {
		return fmt.Errorf("http.max_push_bytes_in_flight must be positive")
	}
	if c.HTTP.MaxUnauthenticatedConns < 1 {
		return fmt.Errorf("http.max_unauthenticated_connections must be at least 1")
	}
	if m := c.HTTP.NameMismatches; m.PerKey < 1 || m.PerPerson < 1 || m.Window <= 0 {
		return fmt.Errorf("http.name_mismatches.per_key and per_person must be at least 1 and its window positive")
	}
	if c.Pipelines.BatchRows < 1 || c.Pipelines.Linger <= 0 || c.Pipelines.MaxInFlight < 0 {
		return fmt.Errorf("pipelines.batch_rows and pipelines.linger must be positive, max_in_flight not negative")
	}
	if err := c.Certificate.validate(); err != nil {
		return err
	}
	if err := validatePlaces(c.Places.Names); err != nil {
		return err
	}
	if err := c.validateHotline(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		if err := s.validate(); err != nil {
			return fmt.Errorf("sources[%d] (%s): %w", i, s.Name, err)
		}
		if seen[s.Name] {
			return fmt.Errorf("sources[%d]: duplicate source name %q", i, s.Name)
		}
		seen[s.Name] = true
	}
	for i, k := range c.APIKeys {
		if !slices.Contains(access.Roles, k.Role) {
			return fmt.Errorf("api_keys[%d] (%s): unknown role %q (want one of %s)", i, k.Name, k.Role, strings.Join(access.Roles, ", "))
		}
		if len(k.KeySHA256) != 64 {
			return fmt.Errorf("api_keys[%d] (%s): key_sha256 must be 64 hex characters (residenthub hash-key prints it)", i, k.Name)
		}
		for _, s := range k.Sources {
			if !seen[s] {
				return fmt.Errorf("api_keys[%d] (%s): unknown source %q", i, k.Name, s)
			}
		}
	}
	return nil
}

// validateSalt checks clickhouse.pseudonym_salt (see ClickHouse.PseudonymSalt).
// The error never contains the salt.
// validateClusterName accepts "" (one server) or a ClickHouse identifier
// (letters, digits, _, not starting with a digit), as it goes into SQL.
func validateClusterName(name string) error {
	for i, r := range name {
		if r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9') {
			continue
		}
		return fmt.Errorf("clickhouse.cluster %q: must be letters, digits and _ (not starting with a digit)", name)
	}
	return nil
}

func validateSalt(salt string) error {
	const hint = " (it keys the hash that replaces id_number for analysts; use a long random secret, e.g. `openssl rand -hex 16`)"
	switch {
	case salt == "":
		return fmt.Errorf("clickhouse.pseudonym_salt is required" + hint)
	case utf8.RuneCountInString(salt) < MinSaltLength:
		return fmt.Errorf("clickhouse.pseudonym_salt must be at least %d characters%s", MinSaltLength, hint)
	case strings.ContainsAny(salt, `'\`) || strings.ContainsFunc(salt, unicode.IsControl) || !utf8.ValidString(salt):
		return fmt.Errorf(`clickhouse.pseudonym_salt must not contain ' or \ or control characters` + hint)
	}
	return nil
}

// Source returns the named source and whether it is configured.
func (c *Config) Source(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

func (s *Source) validate() error {
	if s.Name == "" || strings.Trim(s.Name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return fmt.Errorf("name must be non-empty lower-case letters, digits and _")
	}
	if s.Kind == "" {
		return fmt.Errorf("kind is required")
	}
	if err := validateText(s.DisplayName, 64); err != nil {
		return fmt.Errorf("display_name: %w", err)
	}
	ds, ok := schema.Datasets[s.Dataset]
	if !ok {
		return fmt.Errorf("unknown dataset %q", s.Dataset)
	}
	if s.Schedule != "" {
		if _, err := CronParser.Parse(s.Schedule); err != nil {
			return fmt.Errorf("schedule %q: %w", s.Schedule, err)
		}
	}
	if len(s.Key) == 0 {
		return fmt.Errorf("key: at least one column is required")
	}
	for canonical := range s.Fields {
		if _, ok := ds.Field(canonical); !ok {
			return fmt.Errorf("fields: %q is not a field of dataset %s", canonical, ds.Name)
		}
	}
	for _, f := range ds.Fields {
		if f.Required {
			if _, ok := s.Fields[f.Name]; !ok {
				return fmt.Errorf("fields: required field %q of dataset %s is not mapped", f.Name, ds.Name)
			}
		}
	}
	for canonical := range s.CodeMappings {
		if _, ok := s.Fields[canonical]; !ok {
			return fmt.Errorf("code_mappings: %q is not a mapped field", canonical)
		}
	}
	return s.validateTimes(ds)
}

// CronParser parses source schedules: standard 5 fields, an optional leading
// seconds field, and descriptors such as @every 30s.
var CronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/store"
	"gopkg.in/yaml.v3"
)

// residentsPerHousehold is the demo district's average household size
// (measured: 3.22 at 2,000 to 100,000 households).
const residentsPerHousehold = 3.22

// householdsFor returns the number of demo households that gives about n
// residents.
func householdsFor(n int) int {
	return max(1, int(float64(n)/residentsPerHousehold+0.5))
}

// clickhouse starts the private ClickHouse of the bench with
// deploy/local/clickhouse.sh (data under <dir>/clickhouse, the ports of the
// options), unless opts.ClickHouse names a running server. It returns the
// native address and a stop function (a no-op unless this call started the
// server).
func startClickHouse(o *Options) (addr string, stop func() error, err error) {
	if o.ClickHouse != "" {
		return o.ClickHouse, func() error { return nil }, nil
	}
	script := filepath.Join(o.Repo, "deploy", "local", "clickhouse.sh")
	home, err := filepath.Abs(filepath.Join(o.Dir, "clickhouse"))
	if err != nil {
		return "", nil, err
	}
	unlock, err := lockDir(home)
	if err != nil {
		return "", nil, err
	}
	env := append(os.Environ(), "CLICKHOUSE_HOME="+home,
		"CLICKHOUSE_TCP_PORT="+strconv.Itoa(o.ClickHousePort), "CLICKHOUSE_HTTP_PORT="+strconv.Itoa(o.ClickHouseHTTPPort))
	run := func(arg string) (string, error) {
		cmd := exec.Command(script, arg)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	_, statusErr := run("status")
	wasRunning := statusErr == nil
	out, err := run("start")
	if err != nil {
		unlock()
		return "", nil, fmt.Errorf("cannot start ClickHouse (%s start): %v: %s", script, err, out)
	}
	o.logf("%s", out)
	stop = func() error {
		defer unlock()
		if wasRunning || o.Keep {
			return nil
		}
		if out, err := run("stop"); err != nil {
			return fmt.Errorf("cannot stop ClickHouse: %v: %s", err, out)
		}
		return nil
	}
	return fmt.Sprintf("127.0.0.1:%d", o.ClickHousePort), stop, nil
}

// lockDir takes an exclusive lock on dir (created if missing) for one
// bench run, so that two runs never share a private ClickHouse: the one
// that started it stops it at its end, under the other (seen: a run that
// found its server gone). The lock is released by unlock, or by the
// kernel when the process exits. A second run gets an error naming dir.
func lockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".bench.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the bench lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another bench is using the ClickHouse in %s (%v): run one bench at a time, or give this one another -dir and ports", dir, err)
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}

// keys are the plaintext API keys of one run, one per role.
type keys struct{ counter, caseworker, department, admin string }

func newKeys() keys {
	return keys{counter: randomHex(16), caseworker: randomHex(16), department: randomHex(16), admin: randomHex(16)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sources the bench adds to the demo configuration.
const (
	pushSource = "bench_push" // push source of residence records (freshness)
	sqlSource  = "bench_sql"  // sql source of residence records from PostgreSQL (freshness)
)

// hubConfig is what differs between the bench's hub processes.
type hubConfig struct {
	path       string // where the YAML is written
	dataDir    string
	brokers    []string // empty: the embedded broker on kafkaListen
	kafkaPort  int
	httpPort   int
	clickhouse config.ClickHouse
	groupID    string
	pgTable    string // PostgreSQL table of the sql source; "" = no sql source
	postgres   string
}

// writeConfig writes a hub configuration: the demo's (deploy/demo/
// residenthub.yaml, whose relative paths point at ../../var/demo, so path
// must sit in <work>/deploy/demo/) with file sources polled every second,
// the bench's keys, a push source and, when hc.pgTable is set, an
// incremental sql source, all of residence records.
func writeConfig(o *Options, hc hubConfig, k keys) (*config.Config, error) {
	cfg, err := config.Load(filepath.Join(o.Repo, "deploy", "demo", "residenthub.yaml"))
	if err != nil {
		return nil, err
	}
	cfg.DataDir = hc.dataDir
	cfg.Kafka.Brokers = hc.brokers
	// The bench's peer, ClickHouse's Kafka table engine, reads hub A's
	// topics and cannot authenticate: the bench's broker stays open.
	cfg.Kafka.EmbeddedOpen = true
	// The later steps read hub A's raw topics from the start: its embedded
	// broker must keep every message (at 1,000,000 residents the default
	// 1 GiB per partition trimmed half the district before them).
	cfg.Kafka.Retention.Time, cfg.Kafka.Retention.Bytes = 0, 0
	// The hotline ranking's counts refresh at the production default, not
	// the demo's 30 s: a pass over the year's tickets every 30 s while the
	// district loads would be measured as ingest.
	cfg.Hotline.Refresh = hotline.DefaultRefresh
	cfg.Kafka.EmbeddedListen = fmt.Sprintf("127.0.0.1:%d", hc.kafkaPort)
	cfg.HTTP.Listen = fmt.Sprintf("127.0.0.1:%d", hc.httpPort)
	cfg.ClickHouse = hc.clickhouse
	switch {
	case o.ReadCache > 0:
		cfg.ClickHouse.ReadCache = o.ReadCache
	case o.ReadCache < 0:
		cfg.ClickHouse.ReadCache = 0 // off
	}
	cfg.Pipelines.GroupID = hc.groupID
	for i := range cfg.Sources {
		if cfg.Sources[i].Kind == "file" {
			// Measure the hub, not the demo's 5-second poll.
			cfg.Sources[i].Schedule = "@every 1s"
		}
	}
	extra := pushSourceYAML
	if hc.pgTable != "" {
		extra += fmt.Sprintf(sqlSourceYAML, hc.postgres, hc.pgTable)
	}
	var added []config.Source
	if err := yaml.Unmarshal([]byte(extra), &added); err != nil {
		return nil, fmt.Errorf("cannot build bench sources: %w", err)
	}
	cfg.Sources = append(cfg.Sources, added...)
	cfg.APIKeys = []config.APIKey{
		{Name: "bench-counter", Role: "counter", KeySHA256: config.HashKey(k.counter)},
		{Name: "bench-caseworker", Role: "caseworker", KeySHA256: config.HashKey(k.caseworker)},
		{Name: "bench-department", Role: "department", KeySHA256: config.HashKey(k.department), Sources: []string{pushSource}},
		{Name: "bench-admin", Role: "admin", KeySHA256: config.HashKey(k.admin)},
	}
	b, err := withoutDefaults(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot encode hub config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(hc.path), 0o755); err != nil {
		return nil, fmt.Errorf("cannot write hub config: %w", err)
	}
	if err := os.WriteFile(hc.path, append([]byte("# written by residenthub bench\n"), b...), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write hub config: %w", err)
	}
	return config.Load(hc.path)
}

// withoutDefaults encodes cfg as YAML without the settings that equal
// config.Default()'s, which the loader fills in anyway: so an older build
// given with -binary, which refuses keys it does not know, reads the
// config of a newer bench as long as the bench sets none of them.
func withoutDefaults(cfg *config.Config) ([]byte, error) {
	tree := func(v any) (map[string]any, error) {
		b, err := yaml.Marshal(v)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		return m, yaml.Unmarshal(b, &m)
	}
	have, err := tree(cfg)
	if err != nil {
		return nil, err
	}
	def, err := tree(config.Default())
	if err != nil {
		return nil, err
	}
	pruneDefaults(have, def)
	return yaml.Marshal(have)
}

// pruneDefaults deletes from m the keys whose values equal def's, in
// nested mappings too (lists are kept whole).
func pruneDefaults(m, def map[string]any) {
	for k, v := range m {
		d, ok := def[k]
		if !ok {
			continue
		}
		if vm, isMap := v.(map[string]any); isMap {
			if dm, isMap := d.(map[string]any); isMap {
				pruneDefaults(vm, dm)
				if len(vm) == 0 {
					delete(m, k)
				}
				continue
			}
		}
		if reflect.DeepEqual(v, d) {
			delete(m, k)
		}
	}
}

// pushSourceYAML is the push source the freshness part writes to: one
// residence record per push, keyed by the bench's registration number.
const pushSourceYAML = `
- name: bench_push
  kind: push
  dataset: residence
  key: [证件号码, 登记编号]
  source_time: 登记时间
  fields: {id_number: 证件号码, address: 居住地址, evidence_kind: 登记类型}
  code_mappings:
    evidence_kind: {门禁登记: access_control}
`

// sqlSourceYAML is the sql source the freshness part inserts into
// (PostgreSQL DSN, table): incremental on an integer version column.
const sqlSourceYAML = `
- name: bench_sql
  kind: sql
  dataset: residence
  schedule: "@every 1s"
  key: [reg_no]
  source_time: changed_at
  fields: {id_number: id_number, address: address, evidence_kind: evidence_kind}
  settings:
    driver: postgres
    dsn: %q
    table: %s
    mode: incremental
    cursor_column: ver
    tie_breaker: reg_no
`

// createPGTable creates the department table the sql source pulls from.
func createPGTable(ctx context.Context, dsn, table string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE `+table+` (
  ver bigserial PRIMARY KEY,
  reg_no text NOT NULL UNIQUE,
  id_number text NOT NULL,
  address text NOT NULL,
  evidence_kind text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return fmt.Errorf("cannot create PostgreSQL table %s: %w", table, err)
	}
	return nil
}

func dropPGTable(dsn, table string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return fmt.Errorf("cannot drop PostgreSQL table %s: %w", table, err)
	}
	return nil
}

// clickhouseConfig names the profile and analytics databases of one hub
// process of the run.
func clickhouseConfig(addr, db string) config.ClickHouse {
	c := config.Default().ClickHouse
	c.Addr = addr
	c.Database = db
	c.AnalyticsDatabase = db + "_analytics"
	c.PseudonymSalt = "bench-" + db
	return c
}

// migrate applies the migrations to c's databases (before a timed start).
func migrate(ctx context.Context, c config.ClickHouse) error {
	conn, err := store.Open(ctx, c)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = store.Migrate(ctx, conn, c)
	return err
}

// Package store is the hub's ClickHouse glue: the native-protocol connection
// and the migration runner for the SQL embedded in schema/migrations.
package store

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// Open connects to ClickHouse over the native protocol (the HTTP protocol of
// clickhouse-go does not work with ClickHouse 18.16) and pings it, so an
// unreachable server is an error here.
func Open(ctx context.Context, cfg config.ClickHouse) (driver.Conn, error) {
	return OpenIn(ctx, cfg, "default")
}

// OpenIn is Open with database as the connection's default database, so
// unqualified table names resolve there (the analysts' example queries).
func OpenIn(ctx context.Context, cfg config.ClickHouse, database string) (driver.Conn, error) {
	conn, err := connect(cfg, database, 16, 8)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

// Connect returns a native-protocol connection pool without dialling: the
// server may be down now and come up later (every query dials as needed).
// Errors are configuration errors only.
func Connect(cfg config.ClickHouse) (driver.Conn, error) {
	return connect(cfg, "default", 16, 8)
}

// ConnectPool is Connect with a pool of at most maxOpen connections, of
// which maxIdle stay open between queries (the API reads over its own pool,
// so its point reads never wait for connections the pipelines hold).
func ConnectPool(cfg config.ClickHouse, maxOpen, maxIdle int) (driver.Conn, error) {
	return connect(cfg, "default", maxOpen, maxIdle)
}

func connect(cfg config.ClickHouse, database string, maxOpen, maxIdle int) (driver.Conn, error) {
	var settings clickhouse.Settings
	if cfg.Cluster != "" {
		settings = ClusterSettings()
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:            Addrs(cfg.Addr),
		Settings:        settings,
		Protocol:        clickhouse.Native,
		Auth:            clickhouse.Auth{Database: database, Username: cfg.User, Password: cfg.Password},
		DialTimeout:     5 * time.Second,
		MaxOpenConns:    maxOpen,
		MaxIdleConns:    maxIdle,
		ConnMaxLifetime: time.Hour,
		// The size at which clickhouse-go writes an INSERT block's encoded
		// columns to the socket (default 10 MiB). Each pooled connection
		// keeps its buffer at the largest size it reached: at the default,
		// the pipelines' connections held tens of MB of heap between inserts.
		MaxCompressionBuffer: 1 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

// Addrs splits clickhouse.addr ("host:port" or a comma-separated list of
// them, tried in order) into its addresses.
func Addrs(addr string) []string {
	var out []string
	for _, a := range strings.Split(addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Migration is one embedded .sql file; Version is its numeric prefix.
type Migration struct {
	Version uint32
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in version order. File names are
// NNNN_name.sql; statements are separated by ";" at the end of a line.
// Placeholders {db} and {analytics_db} are replaced at apply time,
// {pseudonym_salt} by the configured salt (migrations before 0080), and
// {hmac_ipad}, {hmac_opad} by the hex of the salt's HMAC-SHA-256 inner and
// outer padded keys (hmacPads).
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(schema.MigrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := fs.ReadFile(schema.MigrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: uint32(v), Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// Statements splits a migration into statements (";" ending a line), with
// placeholders replaced and comment-only chunks dropped.
func Statements(sql string, cfg config.ClickHouse) []string {
	ipad, opad := hmacPads(cfg.PseudonymSalt)
	r := strings.NewReplacer("{db}", cfg.Database, "{analytics_db}", cfg.AnalyticsDatabase, "{pseudonym_salt}", strings.ReplaceAll(cfg.PseudonymSalt, "'", ""),
		"{hmac_ipad}", ipad, "{hmac_opad}", opad)
	sql = r.Replace(sql)
	var out []string
	for _, chunk := range strings.Split(sql, ";\n") {
		body := strings.TrimSpace(chunk)
		body = strings.TrimSuffix(body, ";")
		meaningful := false
		for _, line := range strings.Split(body, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
				meaningful = true
				break
			}
		}
		if meaningful {
			out = append(out, body)
		}
	}
	return out
}

// Migrate creates the databases and applies, in order, every migration not yet
// recorded in <db>.schema_migrations. Safe to run twice and from several
// processes at once (every statement is CREATE ... IF NOT EXISTS or otherwise
// idempotent). Returns the versions it applied. With cfg.Cluster set it
// applies the cluster form of the same migrations (ClusterRenderer): every
// statement ON CLUSTER, and the ledger is replicated to every server, so a
// migrate through any of them sees what was applied.
func Migrate(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) ([]uint32, error) {
	on, ledgerEngine := "", "MergeTree()"
	if cfg.Cluster != "" {
		if err := ClusterProfile(ctx, conn); err != nil {
			return nil, err
		}
		on = " ON CLUSTER " + quoteIdent(cfg.Cluster)
		// One replica set over all servers ({shard}-{replica} names each).
		ledgerEngine = fmt.Sprintf("ReplicatedMergeTree('/clickhouse/tables/all/%s/schema_migrations', '{shard}-{replica}')", strings.ReplaceAll(cfg.Database, "'", ""))
	}
	for _, db := range []string{cfg.Database, cfg.AnalyticsDatabase} {
		if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(db)+on); err != nil {
			return nil, fmt.Errorf("cannot create database %s: %w", db, err)
		}
	}
	ledger := quoteIdent(cfg.Database) + ".schema_migrations"
	if err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+ledger+on+" (version UInt32, name String, applied_at DateTime) ENGINE = "+ledgerEngine+" ORDER BY version"); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", ledger, err)
	}
	applied, err := appliedVersions(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	var renderer *ClusterRenderer
	if cfg.Cluster != "" {
		renderer = NewClusterRenderer(cfg.Cluster)
	}
	var done []uint32
	for _, m := range migs {
		stmts := Statements(m.SQL, cfg)
		steps := make([]Step, 0, len(stmts))
		for i, stmt := range stmts {
			if renderer == nil {
				steps = append(steps, Step{SQL: stmt})
				continue
			}
			// Every migration is rendered, applied or not: the renderer
			// learns from it which tables are sharded.
			s, err := renderer.Render(stmt)
			if err != nil {
				return done, fmt.Errorf("migration %s: statement %d: %w", m.Name, i+1, err)
			}
			steps = append(steps, s...)
		}
		if applied[m.Version] {
			continue
		}
		for i, st := range steps {
			if st.PerShard {
				err = execPerShard(ctx, conn, cfg, st.SQL)
			} else {
				err = conn.Exec(ctx, st.SQL)
			}
			if err != nil {
				return done, fmt.Errorf("migration %s: step %d: %w", m.Name, i+1, err)
			}
		}
		if err := recordApplied(ctx, conn, ledger, m); err != nil {
			return done, fmt.Errorf("migration %s: cannot record it: %w", m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}

// execPerShard runs sql on one live replica of every shard of cfg.Cluster
// (the servers of system.clusters, in their order).
func execPerShard(ctx context.Context, conn driver.Conn, cfg config.ClickHouse, sql string) error {
	rows, err := conn.Query(ctx, "SELECT shard_num, host_address, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num", cfg.Cluster)
	if err != nil {
		return fmt.Errorf("cannot list the servers of cluster %s: %w", cfg.Cluster, err)
	}
	var shards [][]string
	last := uint32(0)
	for rows.Next() {
		var shard uint32
		var host string
		var port uint16
		if err := rows.Scan(&shard, &host, &port); err != nil {
			rows.Close()
			return fmt.Errorf("cannot list the servers of cluster %s: %w", cfg.Cluster, err)
		}
		if shard != last || len(shards) == 0 {
			shards = append(shards, nil)
			last = shard
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], fmt.Sprintf("%s:%d", host, port))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot list the servers of cluster %s: %w", cfg.Cluster, err)
	}
	if len(shards) == 0 {
		return fmt.Errorf("cluster %s: no servers in system.clusters", cfg.Cluster)
	}
	for i, replicas := range shards {
		var lastErr error
		for _, addr := range replicas {
			one := cfg
			one.Addr = addr
			c, err := connect(one, "default", 1, 1)
			if err == nil {
				err = c.Exec(ctx, sql)
				c.Close()
			}
			if lastErr = err; err == nil {
				break
			}
		}
		if lastErr != nil {
			return fmt.Errorf("cannot run on shard %d of %s: %w", i+1, cfg.Cluster, lastErr)
		}
	}
	return nil
}

func recordApplied(ctx context.Context, conn driver.Conn, ledger string, m Migration) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+ledger+" (version, name, applied_at)")
	if err != nil {
		return err
	}
	if err := batch.Append(m.Version, m.Name, time.Now().UTC()); err != nil {
		return err
	}
	return batch.Send()
}

// Pending returns the embedded migrations not yet applied (for /readyz).
func Pending(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) ([]string, error) {
	applied, err := appliedVersions(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range migs {
		if !applied[m.Version] {
			out = append(out, m.Name)
		}
	}
	return out, nil
}

func appliedVersions(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) (map[uint32]bool, error) {
	rows, err := conn.Query(ctx, "SELECT version FROM "+quoteIdent(cfg.Database)+".schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read applied migrations: %w", err)
	}
	defer rows.Close()
	applied := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot read applied migrations: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// quoteIdent quotes a database or table name with backticks.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "") + "`" }

// QuoteString renders s as a ClickHouse string literal ('...', with \ and '
// escaped). The profile and pipelines inline value lists this way because
// clickhouse-go's binding of a Go slice inside IN fails on ClickHouse 18.16.
func QuoteString(s string) string {
	return "'" + literalEscaper.Replace(s) + "'"
}

var literalEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// InList renders values as a comma-separated list of string literals, for
// "x IN (...)".
func InList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = QuoteString(v)
	}
	return strings.Join(q, ", ")
}

// QuoteIdent quotes a database or table name for ClickHouse SQL.
func QuoteIdent(s string) string { return quoteIdent(s) }

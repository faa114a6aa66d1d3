package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ClusterSettings are the settings every connection to a cluster sends
// (config clickhouse.cluster set; ClickHouse 18.16 names):
//
//   - insert_distributed_sync=1: an INSERT into a Distributed table returns
//     only once every shard has the block, so the pipelines commit Kafka
//     offsets after the rows are stored, not queued on the initiator's disk
//     (an initiator killed with queued blocks would lose them).
//   - No insert_quorum: 18.16 lets one quorum insert at a time into a
//     table of a shard, and the read side's views insert into one table
//     from six; the failed quorum inserts then left the read side without
//     rows (measured: a third of them). A block is acknowledged once one
//     replica has it; the other fetches it within moments.
//   - insert_deduplicate=0: a Replicated table drops a block it already
//     holds, and 18.16 then skips the block's materialized views too; a
//     server killed between a table's block and its views' blocks left the
//     retried insert without read-side rows (measured). Every table is a
//     ReplacingMergeTree keyed by the record and its version, so the copy a
//     retry stores collapses like any replay, and the views run again.
//   - prefer_localhost_replica=0: inserts and reads pick a shard's replica by
//     load_balancing, never simply the initiator's own.
//   - max_replica_delay_for_distributed_queries=1,
//     fallback_to_stale_replicas_for_distributed_queries=0: a replica more
//     than a second behind its replication queue is never read; with no
//     fresh replica the query fails (the API answers 503) instead of
//     answering from old data. Within that second a read may miss the
//     newest blocks of a replica that just failed over (deploy/README.md).
//   - skip_unavailable_shards=0: a shard with no live replica fails the query
//     (code 279) instead of silently answering from the other shards.
//
// Two string settings cannot travel this way (18.16's native protocol takes
// only numbers from clients), so the user's profile on every server sets
// them (ClusterProfile checks): load_balancing=in_order, so inserts and
// reads go to the first live replica of each shard in <remote_servers>
// order; and distributed_product_mode=global, so an IN or JOIN subquery over
// a Distributed table inside a query over one (the analysts' views) is
// computed once and sent to the shards.
func ClusterSettings() clickhouse.Settings {
	return clickhouse.Settings{
		"insert_distributed_sync":                            1,
		"insert_deduplicate":                                 0,
		"prefer_localhost_replica":                           0,
		"max_replica_delay_for_distributed_queries":          1,
		"fallback_to_stale_replicas_for_distributed_queries": 0,
		"skip_unavailable_shards":                            0,
	}
}

// ClusterProfile checks that the connection's user profile sets what
// ClusterSettings cannot send: load_balancing = in_order and
// distributed_product_mode = global. The error names what is missing.
func ClusterProfile(ctx context.Context, conn driver.Conn) error {
	want := map[string]string{"load_balancing": "in_order", "distributed_product_mode": "global"}
	rows, err := conn.Query(ctx, "SELECT name, value FROM system.settings WHERE name IN ('load_balancing', 'distributed_product_mode')")
	if err != nil {
		return fmt.Errorf("cannot read the cluster settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return fmt.Errorf("cannot read the cluster settings: %w", err)
		}
		if want[name] == value {
			delete(want, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read the cluster settings: %w", err)
	}
	if len(want) > 0 {
		return fmt.Errorf("clickhouse.cluster: the user's profile must set load_balancing = in_order and distributed_product_mode = global (see deploy/local/cluster.sh); missing %v", want)
	}
	return nil
}

// LocalSuffix ends the name of a table's shard-local (replicated) part in the
// cluster form; the plain name is the Distributed table over it.
const LocalSuffix = "_local"

// Step is one statement of a rendered migration. PerShard steps run on one
// live replica of every shard (the Replicated table copies the result to the
// others): an INSERT … SELECT between shard-local tables, which keeps each
// row on the shard its materialized views put it; OPTIMIZE, which 18.16
// refuses ON CLUSTER for replicated tables; and ALTER of a replicated table,
// which ON CLUSTER can stop 18.16's DDL worker (see Render).
type Step struct {
	SQL      string
	PerShard bool
}

// ClusterRenderer renders the single-server migrations (schema/migrations)
// for a cluster. It keeps state: feed it every migration in version order,
// applied or not, so it knows which tables are sharded.
//
// The forms it renders (anything else is an error naming the statement, so a
// new kind of migration statement is noticed by the cluster test):
//
//   - CREATE TABLE d.t (…) ENGINE = <X>MergeTree(args) … → d.t_local ON
//     CLUSTER as Replicated<X>MergeTree('/clickhouse/tables/{shard}/d/t_local',
//     '{replica}', args) with the same ORDER BY, PARTITION BY and SETTINGS,
//     and d.t ON CLUSTER as Distributed(cluster, d, t_local, key): key is
//     cityHash64(id_number) for a table with an id_number column, else
//     cityHash64 of its ORDER BY columns (a replayed row lands on the shard
//     of its first copy, so ReplacingMergeTree still collapses them).
//     Other engines: ON CLUSTER, unchanged.
//   - CREATE MATERIALIZED VIEW … TO d.t AS SELECT … FROM d.s: ON CLUSTER,
//     reading and writing the shard-local tables, so each shard's insert
//     fills its own read side. A view without TO is refused.
//   - CREATE VIEW: ON CLUSTER, over the Distributed tables.
//   - DROP TABLE: ON CLUSTER, and the _local part of a sharded table.
//   - TRUNCATE TABLE of a sharded table: its _local part ON CLUSTER.
//   - ALTER TABLE of a sharded table: its _local part per shard (on one
//     replica; replication applies it on the others), then the Distributed
//     table is dropped and created again ON CLUSTER with the new columns
//     (18.16 refuses ALTER … ON CLUSTER on a Distributed table over
//     replicated shards; it holds no rows with synchronous inserts).
//   - INSERT … SELECT: per shard over the _local tables when the target and
//     every table read are sharded; through the Distributed tables otherwise.
//   - OPTIMIZE TABLE: per shard on the _local part.
//   - CREATE DATABASE: ON CLUSTER.
type ClusterRenderer struct {
	cluster string
	sharded map[string]string // "db.table" → its Distributed sharding key
	other   map[string]bool   // views and tables of other engines it created
}

// NewClusterRenderer renders for the cluster named cluster.
func NewClusterRenderer(cluster string) *ClusterRenderer {
	return &ClusterRenderer{cluster: cluster, sharded: map[string]string{}, other: map[string]bool{}}
}

// Sharded reports whether db.table is a sharded table (Distributed over
// db.table_local) after the statements rendered so far.
func (r *ClusterRenderer) Sharded(db, table string) bool {
	_, ok := r.sharded[db+"."+table]
	return ok
}

var (
	reCreateMergeTree = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\.(\w+)\s*\((.*)\)\s*ENGINE\s*=\s*(\w*)MergeTree\s*\(([^)]*)\)(.*)$`)
	reCreateTable     = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+\.\w+)(.*)$`)
	reCreateMV        = regexp.MustCompile(`(?is)^CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+\.\w+)\s+(TO\s.*)$`)
	reCreateView      = regexp.MustCompile(`(?is)^CREATE\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+\.\w+)\s+(AS\s.*)$`)
	reDrop            = regexp.MustCompile(`(?is)^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?(\w+)\.(\w+)\s*$`)
	reTruncate        = regexp.MustCompile(`(?is)^TRUNCATE\s+TABLE\s+(IF\s+EXISTS\s+)?(\w+)\.(\w+)\s*$`)
	reAlter           = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(\w+)\.(\w+)\s+(.*)$`)
	reInsert          = regexp.MustCompile(`(?is)^INSERT\s+INTO\s+(\w+)\.(\w+)(.*)$`)
	reOptimize        = regexp.MustCompile(`(?is)^OPTIMIZE\s+TABLE\s+(\w+)\.(\w+)(.*)$`)
	reCreateDatabase  = regexp.MustCompile(`(?is)^CREATE\s+DATABASE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s*$`)
	reOrderBy         = regexp.MustCompile(`(?is)\bORDER\s+BY\s+`)
	reQualified       = regexp.MustCompile(`\b(\w+)\.(\w+)\b`)
)

// Render renders one statement (placeholders already replaced, as
// Statements returns them) into the steps that apply it to the cluster.
func (r *ClusterRenderer) Render(stmt string) ([]Step, error) {
	s := stripLeadingComments(stmt)
	on := " ON CLUSTER " + r.cluster
	one := func(sql string) []Step { return []Step{{SQL: sql}} }
	switch {
	case reCreateMergeTree.MatchString(s):
		m := reCreateMergeTree.FindStringSubmatch(s)
		ifNot, db, table, cols, family, args, rest := m[1], m[2], m[3], m[4], m[5], strings.TrimSpace(m[6]), m[7]
		key, err := shardingKey(cols, rest)
		if err != nil {
			return nil, fmt.Errorf("cannot render %s.%s for the cluster: %w", db, table, err)
		}
		local := table + LocalSuffix
		replArgs := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", db, local)
		if args != "" {
			replArgs += ", " + args
		}
		r.sharded[db+"."+table] = key
		return []Step{
			{SQL: fmt.Sprintf("CREATE TABLE %s%s.%s%s (%s) ENGINE = Replicated%sMergeTree(%s)%s", ifNot, db, local, on, cols, family, replArgs, rest)},
			{SQL: r.distributed(db, table, ifNot)},
		}, nil
	case reCreateMV.MatchString(s):
		m := reCreateMV.FindStringSubmatch(s)
		r.other[m[2]] = true
		return one(fmt.Sprintf("CREATE MATERIALIZED VIEW %s%s%s %s", m[1], m[2], on, r.localNames(m[3]))), nil
	case strings.HasPrefix(strings.ToUpper(s), "CREATE MATERIALIZED VIEW"):
		return nil, fmt.Errorf("cannot render for the cluster a materialized view without TO (its inner table would not be replicated): %.80s", s)
	case reCreateView.MatchString(s):
		m := reCreateView.FindStringSubmatch(s)
		r.other[m[2]] = true
		return one(fmt.Sprintf("CREATE VIEW %s%s%s %s", m[1], m[2], on, m[3])), nil
	case reCreateTable.MatchString(s):
		m := reCreateTable.FindStringSubmatch(s)
		r.other[m[2]] = true
		return one(fmt.Sprintf("CREATE TABLE %s%s%s%s", m[1], m[2], on, m[3])), nil
	case reDrop.MatchString(s):
		m := reDrop.FindStringSubmatch(s)
		ifExists, db, table := m[1], m[2], m[3]
		steps := one(fmt.Sprintf("DROP TABLE %s%s.%s%s", ifExists, db, table, on))
		delete(r.other, db+"."+table)
		if r.Sharded(db, table) {
			steps = append(steps, Step{SQL: fmt.Sprintf("DROP TABLE %s%s.%s%s%s", ifExists, db, table, LocalSuffix, on)})
			delete(r.sharded, db+"."+table)
		}
		return steps, nil
	case reTruncate.MatchString(s):
		m := reTruncate.FindStringSubmatch(s)
		if r.Sharded(m[2], m[3]) {
			return one(fmt.Sprintf("TRUNCATE TABLE %s%s.%s%s%s", m[1], m[2], m[3], LocalSuffix, on)), nil
		}
		return one(fmt.Sprintf("TRUNCATE TABLE %s%s.%s%s", m[1], m[2], m[3], on)), nil
	case reAlter.MatchString(s):
		m := reAlter.FindStringSubmatch(s)
		db, table, rest := m[1], m[2], m[3]
		if !r.Sharded(db, table) {
			return one(fmt.Sprintf("ALTER TABLE %s.%s%s %s", db, table, on, rest)), nil
		}
		// Per shard, not ON CLUSTER: 18.16's DDL worker runs an ALTER of a
		// replicated table on one replica of each shard, and a replica that
		// lost that race to one whose change had already reached it through
		// replication failed ("column already exists") and then stopped its
		// DDL worker for good on the ZooKeeper node the winner had written
		// ("Node exists …/shards/…/executed", ClickHouse#5064, fixed only in
		// 20.12), so every later ON CLUSTER statement waited out its timeout.
		// A replicated ALTER returns once every active replica applied it, so
		// the Distributed tables created next see the new columns.
		return []Step{
			{SQL: fmt.Sprintf("ALTER TABLE %s.%s%s %s", db, table, LocalSuffix, rest), PerShard: true},
			{SQL: fmt.Sprintf("DROP TABLE IF EXISTS %s.%s%s", db, table, on)},
			{SQL: r.distributed(db, table, "IF NOT EXISTS ")},
		}, nil
	case reInsert.MatchString(s):
		m := reInsert.FindStringSubmatch(s)
		if !r.Sharded(m[1], m[2]) || !r.readsOnlySharded(m[3]) {
			return one(s), nil
		}
		return []Step{{SQL: r.localNames(s), PerShard: true}}, nil
	case reOptimize.MatchString(s):
		m := reOptimize.FindStringSubmatch(s)
		if !r.Sharded(m[1], m[2]) {
			return []Step{{SQL: s, PerShard: true}}, nil
		}
		return []Step{{SQL: fmt.Sprintf("OPTIMIZE TABLE %s.%s%s%s", m[1], m[2], LocalSuffix, m[3]), PerShard: true}}, nil
	case reCreateDatabase.MatchString(s):
		m := reCreateDatabase.FindStringSubmatch(s)
		return one(fmt.Sprintf("CREATE DATABASE %s%s%s", m[1], m[2], on)), nil
	}
	return nil, fmt.Errorf("cannot render for the cluster a statement of this form (see store.ClusterRenderer): %.80s", s)
}

// distributed is the Distributed table db.table over db.table_local.
func (r *ClusterRenderer) distributed(db, table, ifNot string) string {
	return fmt.Sprintf("CREATE TABLE %s%s.%s ON CLUSTER %s AS %s.%s%s ENGINE = Distributed(%s, %s, %s%s, %s)",
		ifNot, db, table, r.cluster, db, table, LocalSuffix, r.cluster, db, table, LocalSuffix, r.sharded[db+"."+table])
}

// localNames replaces every db.table naming a sharded table with its _local
// part.
func (r *ClusterRenderer) localNames(sql string) string {
	return reQualified.ReplaceAllStringFunc(sql, func(q string) string {
		if _, ok := r.sharded[q]; ok {
			return q + LocalSuffix
		}
		return q
	})
}

// readsOnlySharded reports whether sql names at least one sharded table and
// no view, other table the renderer created, or system table: a view over a
// Distributed table read on every shard would copy every shard's rows into
// each.
func (r *ClusterRenderer) readsOnlySharded(sql string) bool {
	n := 0
	for _, m := range reQualified.FindAllStringSubmatch(sql, -1) {
		if _, ok := r.sharded[m[0]]; ok {
			n++
			continue
		}
		if r.other[m[0]] || strings.EqualFold(m[1], "system") {
			return false
		}
	}
	return n > 0
}

// shardingKey is cityHash64(id_number) for a table with an id_number column,
// else cityHash64 of the ORDER BY columns found in rest.
func shardingKey(cols, rest string) (string, error) {
	for _, line := range strings.Split(cols, "\n") {
		f := strings.Fields(strings.TrimSpace(line))
		if len(f) >= 2 && f[0] == "id_number" {
			return "cityHash64(id_number)", nil
		}
	}
	loc := reOrderBy.FindStringIndex(rest)
	if loc == nil {
		return "", fmt.Errorf("no ORDER BY")
	}
	expr := rest[loc[1]:]
	if strings.HasPrefix(expr, "(") {
		depth := 0
		for i, c := range expr {
			switch c {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return "cityHash64(" + strings.TrimSpace(expr[1:i]) + ")", nil
				}
			}
		}
		return "", fmt.Errorf("unbalanced ORDER BY")
	}
	f := strings.Fields(expr)
	if len(f) == 0 {
		return "", fmt.Errorf("empty ORDER BY")
	}
	return "cityHash64(" + f[0] + ")", nil
}

// stripLeadingComments drops the "-- …" lines and blank lines before a
// statement.
func stripLeadingComments(s string) string {
	for {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "--") {
			return s
		}
		_, after, ok := strings.Cut(s, "\n")
		if !ok {
			return ""
		}
		s = after
	}
}

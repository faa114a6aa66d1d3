package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/analytics"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

func TestClusterRenderer(t *testing.T) {
	r := store.NewClusterRenderer("c")
	f := func(stmt string, want ...string) {
		t.Helper()
		steps, err := r.Render(stmt)
		if err != nil {
			t.Fatalf("Render(%q): %v", stmt, err)
		}
		var got []string
		for _, s := range steps {
			g := strings.Join(strings.Fields(s.SQL), " ")
			if s.PerShard {
				g = "per shard: " + g
			}
			got = append(got, g)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Render(%q)\n got %q\nwant %q", stmt, got, want)
		}
	}
	f("-- a comment\nCREATE TABLE IF NOT EXISTS d.p (\n    id_number String,\n    v Array(String)\n) ENGINE = ReplacingMergeTree(t)\nORDER BY (id_number, t)\nSETTINGS index_granularity = 256",
		"CREATE TABLE IF NOT EXISTS d.p_local ON CLUSTER c ( id_number String, v Array(String) ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/d/p_local', '{replica}', t) ORDER BY (id_number, t) SETTINGS index_granularity = 256",
		"CREATE TABLE IF NOT EXISTS d.p ON CLUSTER c AS d.p_local ENGINE = Distributed(c, d, p_local, cityHash64(id_number))")
	f("CREATE TABLE d.q (a String, b UInt8) ENGINE = MergeTree() ORDER BY (a, toDate(b))",
		"CREATE TABLE d.q_local ON CLUSTER c (a String, b UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/d/q_local', '{replica}') ORDER BY (a, toDate(b))",
		"CREATE TABLE d.q ON CLUSTER c AS d.q_local ENGINE = Distributed(c, d, q_local, cityHash64(a, toDate(b)))")
	f("CREATE MATERIALIZED VIEW IF NOT EXISTS d.mv TO d.q AS SELECT id_number AS a, 1 AS b FROM d.p WHERE x.y = 1",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS d.mv ON CLUSTER c TO d.q_local AS SELECT id_number AS a, 1 AS b FROM d.p_local WHERE x.y = 1")
	f("CREATE VIEW IF NOT EXISTS d.v AS SELECT * FROM d.p FINAL", "CREATE VIEW IF NOT EXISTS d.v ON CLUSTER c AS SELECT * FROM d.p FINAL")
	f("INSERT INTO d.q (a, b) SELECT id_number, 1 FROM d.p", "per shard: INSERT INTO d.q_local (a, b) SELECT id_number, 1 FROM d.p_local")
	f("INSERT INTO d.q (a, b) SELECT name, 1 FROM system.tables", "INSERT INTO d.q (a, b) SELECT name, 1 FROM system.tables")
	f("INSERT INTO d.q (a, b) SELECT a, b FROM d.v", "INSERT INTO d.q (a, b) SELECT a, b FROM d.v")
	f("TRUNCATE TABLE d.q", "TRUNCATE TABLE d.q_local ON CLUSTER c")
	f("OPTIMIZE TABLE d.q FINAL", "per shard: OPTIMIZE TABLE d.q_local FINAL")
	f("ALTER TABLE d.p ADD COLUMN w String AFTER id_number",
		"per shard: ALTER TABLE d.p_local ADD COLUMN w String AFTER id_number",
		"DROP TABLE IF EXISTS d.p ON CLUSTER c",
		"CREATE TABLE IF NOT EXISTS d.p ON CLUSTER c AS d.p_local ENGINE = Distributed(c, d, p_local, cityHash64(id_number))")
	f("DROP TABLE IF EXISTS d.mv", "DROP TABLE IF EXISTS d.mv ON CLUSTER c")
	f("DROP TABLE IF EXISTS d.q", "DROP TABLE IF EXISTS d.q ON CLUSTER c", "DROP TABLE IF EXISTS d.q_local ON CLUSTER c")
	if r.Sharded("d", "q") || !r.Sharded("d", "p") {
		t.Fatal("Sharded: d.q dropped, d.p kept")
	}
	f("CREATE TABLE d.k (a String) ENGINE = Memory", "CREATE TABLE d.k ON CLUSTER c (a String) ENGINE = Memory")
	for _, bad := range []string{"CREATE MATERIALIZED VIEW d.m ENGINE = MergeTree() ORDER BY a AS SELECT a FROM d.p", "RENAME TABLE d.p TO d.r", "SYSTEM STOP MERGES"} {
		if _, err := r.Render(bad); err == nil || !strings.Contains(err.Error(), "cannot render") {
			t.Fatalf("Render(%q) = %v, want a cannot render error", bad, err)
		}
	}
}

// TestClusterAnswersAsOneServer loads the same rows into a single server and
// into the cluster (the migrations in both forms) and asks both the same
// questions: current rows per dataset, the read side, every analytics table
// and view. It then checks where the rows are: every person's rows, read
// side and ownership rows on one shard, on both of its replicas.
func TestClusterAnswersAsOneServer(t *testing.T) {
	cconn, ccfg := storetest.NewCluster(t)
	sconn, scfg := storetest.New(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	var persons, assets []storetest.Row
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("1101051990010%05d", i)
		hh := fmt.Sprintf("H%d", i/3)
		row := storetest.Row{"id_number": id, "name": "张三", "household_id": hh, "birth_date": "1990-05-06",
			"status": "normal", "source": "hukou", "record_key": "k" + id, "source_time": t0, "ingest_time": t0}
		persons = append(persons, row)
		if i%5 == 0 { // a newer version and a replayed copy
			newer := storetest.Row{}
			for k, v := range row {
				newer[k] = v
			}
			newer["name"], newer["source_time"], newer["ingest_time"] = "张三丰", t1, t1
			persons = append(persons, newer, newer)
		}
		assets = append(assets, storetest.Row{"id_number": id, "asset_kind": "vehicle", "value_fen": int64(100 * i), "source": "dmv",
			"record_key": fmt.Sprintf("V-%d", i), "source_time": t0, "ingest_time": t0})
	}
	for _, c := range []struct {
		conn driver.Conn
		cfg  config.ClickHouse
	}{{cconn, ccfg}, {sconn, scfg}} {
		storetest.Insert(t, c.conn, c.cfg, "person", persons...)
		storetest.Insert(t, c.conn, c.cfg, "asset", assets...)
		storetest.Insert(t, c.conn, c.cfg, "asset", assets[:7]...) // replayed
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cc, err := store.CurrentRowCounts(ctx, cconn, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := store.CurrentRowCounts(ctx, sconn, scfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cc, sc) || cc["person"] != 40 || cc["asset"] != 40 {
		t.Fatalf("current rows: cluster %v, one server %v, want 40 persons and assets in both", cc, sc)
	}
	same := func(q string) {
		t.Helper()
		c := storetest.Cells(t, cconn, strings.NewReplacer("{db}", ccfg.Database, "{an}", ccfg.AnalyticsDatabase).Replace(q))
		s := storetest.Cells(t, sconn, strings.NewReplacer("{db}", scfg.Database, "{an}", scfg.AnalyticsDatabase).Replace(q))
		if !reflect.DeepEqual(c, s) {
			t.Fatalf("%s: cluster %d rows, one server %d rows\ncluster %v\none server %v", q, len(c), len(s), c, s)
		}
		if len(c) == 0 {
			t.Fatalf("%s: no rows in either", q)
		}
	}
	same("SELECT id_number, dataset, source, record_key, source_time, household_id, packed FROM {db}.profile_rows FINAL")
	same("SELECT household_id, id_number FROM {db}.household_members FINAL")
	same("SELECT dataset, source, record_key, id_number, max(source_time) FROM {db}.record_owner GROUP BY dataset, source, record_key, id_number")
	for _, tb := range analytics.Catalog() {
		if tb.Name == "intake" || strings.HasPrefix(tb.Name, "intake") || strings.HasPrefix(tb.Name, "identity_conflict") || strings.HasPrefix(tb.Name, "hotline") {
			continue // nothing loaded there
		}
		switch tb.Dataset {
		case "person", "asset", "":
		default:
			continue
		}
		q := "SELECT * FROM {an}." + tb.Name
		if strings.HasSuffix(tb.Name, "_history") {
			q += " FINAL"
		}
		c := storetest.Cells(t, cconn, strings.ReplaceAll(q, "{an}", ccfg.AnalyticsDatabase))
		s := storetest.Cells(t, sconn, strings.ReplaceAll(q, "{an}", scfg.AnalyticsDatabase))
		if !reflect.DeepEqual(c, s) {
			t.Fatalf("analytics %s: cluster %v\none server %v", tb.Name, c, s)
		}
	}

	// Placement: a person's rows on one shard, with the read side.
	addrs := store.Addrs(ccfg.Addr)
	shardIDs := func(addr, table string) map[string]bool {
		one := ccfg
		one.Addr = addr
		c, err := store.Open(ctx, one)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Exec(ctx, "SYSTEM SYNC REPLICA "+store.QuoteIdent(ccfg.Database)+"."+table+store.LocalSuffix); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, r := range storetest.Cells(t, c, "SELECT DISTINCT id_number FROM "+store.QuoteIdent(ccfg.Database)+"."+table+store.LocalSuffix) {
			out[r[0]] = true
		}
		return out
	}
	var personShard1 map[string]bool
	for _, table := range []string{"person", "asset", "profile_rows", "household_members", "record_owner"} {
		s1, s1b := shardIDs(addrs[0], table), shardIDs(addrs[1], table)
		if personShard1 == nil {
			personShard1 = s1
		}
		if !reflect.DeepEqual(s1, personShard1) {
			t.Fatalf("%s: shard 1 holds other persons than the person table's", table)
		}
		s2, s2b := shardIDs(addrs[2], table), shardIDs(addrs[3], table)
		if !reflect.DeepEqual(s1, s1b) || !reflect.DeepEqual(s2, s2b) {
			t.Fatalf("%s: the replicas of a shard differ", table)
		}
		if len(s1) == 0 || len(s2) == 0 || len(s1)+len(s2) != 40 {
			t.Fatalf("%s: shard 1 holds %d persons, shard 2 %d, want all 40 spread over both", table, len(s1), len(s2))
		}
		for id := range s1 {
			if s2[id] {
				t.Fatalf("%s: a person is on both shards", table)
			}
		}
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
	"github.com/segmentio/kafka-go"
)

// TestPipelineProcessesCrashShareAndStop runs the hub as real processes on
// the demo district: one process runs the connectors (and the embedded
// broker) and fills the raw topics; then, into one database, two
// `-roles pipelines` processes share the partitions of one consumer group,
// the first is killed with SIGKILL while loading, and the second finishes;
// into a second database one pipelines process gets SIGTERM while loading
// (it must exit 0) and a restart finishes. Both databases must hold what the
// generator's truth says, and the same rows, rejects, loads, owners and
// conflicts: nothing lost, nothing counted twice, however the load was
// interrupted; the dead letters are exactly the invalid records; and a
// replay of every raw topic (a new consumer group) changes nothing stored.
func TestPipelineProcessesCrashShareAndStop(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level crash test skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := t.TempDir()
	truth, kafkaAddr, connCfg, fill := fillBroker(t, ctx, root, 11, 1200)
	brokers := []string{kafkaAddr}
	topics := rawTopics(connCfg.cfg)
	total := messagesIn(t, ctx, kafkaAddr, topics)
	if total == 0 {
		t.Fatal("the raw topics are empty")
	}

	lag := func(group string) int64 {
		n, err := bus.TotalGroupLag(ctx, brokers, group, topics)
		if err != nil {
			return -1
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if !sleepOrDone(ctx, 50*time.Millisecond) {
				t.Fatalf("timed out waiting until %s", what)
			}
		}
	}

	// Database 1: two processes share the group; the first one is killed.
	conn1, ch1 := storetest.New(t)
	p1Cfg := writeDemoConfig(t, root, "p1", "", kafkaAddr, ch1, "g1")
	a := startProcess(t, ctx, p1Cfg.path, "pipelines")
	waitFor("the first pipelines process commits", func() bool { n := lag("g1"); return n >= 0 && n < total })
	b := startProcess(t, ctx, p1Cfg.path, "pipelines")
	waitFor("both processes hold partitions", func() bool { return assignedMembers(ctx, kafkaAddr, "g1") == 2 })
	if n := lag("g1"); n <= 0 {
		t.Fatalf("lag %d before the kill: the load ended too early to interrupt it (grow the district)", n)
	}
	t.Logf("%d raw messages; SIGKILL to one of two pipelines processes with %d uncommitted", total, lag("g1"))
	a.kill(t)
	waitFor("the second process loads the rest", func() bool { return lag("g1") == 0 })
	if err := b.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("pipelines process exited with %v after SIGTERM; log:\n%s", err, b.log())
	}

	// Database 2: one process is stopped with SIGTERM while loading.
	conn2, ch2 := storetest.New(t)
	p2Cfg := writeDemoConfig(t, root, "p2", "", kafkaAddr, ch2, "g2")
	c := startProcess(t, ctx, p2Cfg.path, "pipelines")
	waitFor("the process commits", func() bool { n := lag("g2"); return n >= 0 && n < total })
	if n := lag("g2"); n <= 0 {
		t.Fatalf("lag %d before SIGTERM: the load ended too early to interrupt it (grow the district)", n)
	}
	t.Logf("SIGTERM to the pipelines process with %d uncommitted", lag("g2"))
	if err := c.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("pipelines process under load exited with %v after SIGTERM; log:\n%s", err, c.log())
	}
	if !strings.Contains(c.log(), "shutting down") {
		t.Fatalf("no orderly shutdown in the log:\n%s", c.log())
	}
	d := startProcess(t, ctx, p2Cfg.path, "pipelines")
	waitFor("the restarted process loads the rest", func() bool { return lag("g2") == 0 })
	if err := d.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("pipelines process exited with %v after SIGTERM; log:\n%s", err, d.log())
	}

	// Both loads hold what the truth says, and the same stored rows.
	for _, db := range []struct {
		conn driver.Conn
		ch   config.ClickHouse
	}{{conn1, ch1}, {conn2, ch2}} {
		got, err := store.CurrentRowCounts(ctx, db.conn, db.ch)
		if err != nil {
			t.Fatal(err)
		}
		for dataset, want := range truth.Counts {
			if got[dataset] != uint64(want.Current) {
				t.Errorf("%s: %s has %d current rows, truth says %d", db.ch.Database, dataset, got[dataset], want.Current)
			}
		}
	}
	d1 := digest(t, conn1, ch1)
	if d2 := digest(t, conn2, ch2); d1 != d2 {
		t.Fatalf("the two interrupted loads differ:\n%s\n---\n%s", d1, d2)
	}
	// Replay: a new consumer group reads every raw topic again into
	// database 1; nothing stored changes.
	p3Cfg := writeDemoConfig(t, root, "p3", "", kafkaAddr, ch1, "g3")
	e := startProcess(t, ctx, p3Cfg.path, "pipelines")
	waitFor("the replay reads every raw message", func() bool { return lag("g3") == 0 })
	if err := e.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("pipelines process exited with %v after SIGTERM; log:\n%s", err, e.log())
	}
	if d3 := digest(t, conn1, ch1); d3 != d1 {
		t.Fatalf("replaying the raw topics changed what is stored:\n%s\n---\n%s", d1, d3)
	}
	// Dead letters: exactly the invalid records, each once.
	checkDeadLetters(ctx, t, brokers, connCfg.cfg, truth)
	_ = fill.stop(t, syscall.SIGTERM)
}

// digest summarises what a load stored: per table, the number of rows after
// FINAL and an order-independent hash of every column that depends only on
// the raw messages (not rejected_at, the wall time of a rejection, nor
// intake_history's recorded_at, which is rejected_at for a rejection);
// "analytics.<table>" is in the analytics database.
func digest(t *testing.T, conn driver.Conn, ch config.ClickHouse) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tables := map[string]string{
		"rejects":                  "source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason, message_time",
		"analytics.intake_history": "source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, field, reason, message_time",
		"identity_conflict":        "id_number, field, source_a, record_key_a, value_a, source_b, record_key_b, value_b, detected_at",
		"record_owner":             "dataset, source, record_key, id_number, source_time, ingest_time",
	}
	for name, ds := range schema.Datasets {
		tables[name] = strings.Join(ds.ColumnNames(), ", ")
	}
	var out []string
	for _, name := range sortedKeys(tables) {
		var n, h uint64
		table := store.QuoteIdent(ch.Database) + "." + name
		if a, ok := strings.CutPrefix(name, "analytics."); ok {
			table = store.QuoteIdent(ch.AnalyticsDatabase) + "." + a
		}
		q := fmt.Sprintf("SELECT count(), sum(cityHash64(%s)) FROM %s FINAL", tables[name], table)
		if err := conn.QueryRow(ctx, q).Scan(&n, &h); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprintf("%s: %d rows, hash %x", name, n, h))
	}
	return strings.Join(out, "\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// messagesIn counts the messages the topics hold.
func messagesIn(t *testing.T, ctx context.Context, broker string, topics []string) int64 {
	t.Helper()
	client := bus.AdminClient([]string{broker}, 10*time.Second)
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		t.Fatal(err)
	}
	req := map[string][]kafka.OffsetRequest{}
	for _, tp := range meta.Topics {
		for _, p := range tp.Partitions {
			req[tp.Name] = append(req[tp.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
	}
	res, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, ps := range res.Topics {
		for _, p := range ps {
			n += p.LastOffset - p.FirstOffset
		}
	}
	return n
}

// assignedMembers is the number of members of group that hold partitions.
func assignedMembers(ctx context.Context, broker, group string) int {
	client := bus.AdminClient([]string{broker}, 5*time.Second)
	resp, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil || len(resp.Groups) != 1 {
		return 0
	}
	n := 0
	for _, m := range resp.Groups[0].Members {
		for _, tp := range m.MemberAssignments.Topics {
			if len(tp.Partitions) > 0 {
				n++
				break
			}
		}
	}
	return n
}

func sleepOrDone(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// demoConfig is a config file written for a test process and its parsed form.
type demoConfig struct {
	path string
	cfg  *config.Config
}

// testKafkaUser is the embedded broker's user in the configs of
// writeDemoConfig (the processes without the broker use it to connect).
var testKafkaUser = bus.Credentials{Mechanism: config.SASLScramSHA256, User: config.EmbeddedUser, Password: "crash-test-kafka-password"}

// writeDemoConfig writes deploy/demo/residenthub.yaml for a process named
// name under root: drop folders under root/demo, its own data folder, the
// embedded broker on embedded (or the external broker brokers), ClickHouse
// ch, consumer group group, small batches and quick polls.
func writeDemoConfig(t *testing.T, root, name, embedded, brokers string, ch config.ClickHouse, group string) demoConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "demo", "residenthub.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if ch.Database == "" {
		ch = config.ClickHouse{Addr: storetest.Addr(), Database: "unused_" + name, AnalyticsDatabase: "unused_" + name + "_analytics", PseudonymSalt: "demo-salt-not-secret"}
	}
	repl := []string{
		"data_dir: ../../var/demo", "data_dir: " + filepath.Join(root, name),
		"../../var/demo/drop", filepath.Join(root, "demo", "drop"),
		"127.0.0.1:8080", freeAddr(t),
		"addr: 127.0.0.1:19000", "addr: " + ch.Addr,
		"database: residenthub_demo\n", "database: " + ch.Database + "\n",
		"analytics_database: residenthub_demo_analytics", "analytics_database: " + ch.AnalyticsDatabase,
		"pseudonym_salt: demo-salt-not-secret", "pseudonym_salt: " + ch.PseudonymSalt,
		"group_id: residenthub-demo-pipelines", "group_id: " + group,
		"batch_rows: 20000", "batch_rows: 1000",
		"  partitions: 4\n", fmt.Sprintf("  partitions: 4\n  sasl: {mechanism: %s, username: %s, password: %s}\n", testKafkaUser.Mechanism, testKafkaUser.User, testKafkaUser.Password),
		"linger: 200ms", "linger: 100ms",
		"settle: 1s", "settle: 0s",
		`"*/5 * * * * *"`, `"@every 1s"`,
	}
	if embedded != "" {
		repl = append(repl, "embedded_listen: 127.0.0.1:19092", "embedded_listen: "+embedded)
	} else {
		repl = append(repl, "brokers: []", fmt.Sprintf("brokers: [%q]", brokers))
	}
	for i := 0; i < len(repl); i += 2 {
		if !strings.Contains(s, repl[i]) {
			t.Fatalf("deploy/demo/residenthub.yaml no longer holds %q", repl[i])
		}
		s = strings.ReplaceAll(s, repl[i], repl[i+1])
	}
	path := filepath.Join(root, name+".yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return demoConfig{path: path, cfg: cfg}
}

// process is `residenthub run` as a child process (the test binary acting as
// the command, see TestMain).
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

func startProcess(t *testing.T, ctx context.Context, cfgPath, roles string) *process {
	t.Helper()
	logPath := cfgPath + "." + roles + "." + fmt.Sprint(time.Now().UnixNano()) + ".log"
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "run", "-config", cfgPath, "-roles", roles)
	cmd.Env = append(os.Environ(), "RESIDENTHUB_RUN_MAIN=1")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); f.Close() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done; p.done <- nil })
	return p
}

func (p *process) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// stop sends sig and returns the exit error (nil for exit 0).
func (p *process) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := <-p.done
	p.done <- err
	return err
}

// kill ends the process with SIGKILL, as a crash would.
func (p *process) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err
}

// fillBroker generates a demo district (seed, households) under root and
// starts a connectors process (embedded broker on a free port, the hub's
// SASL user) that publishes its drop folders; it returns once no file
// waits. The process keeps running (the broker) until ctx or the test ends.
func fillBroker(t *testing.T, ctx context.Context, root string, seed int64, households int) (*demo.Truth, string, demoConfig, *process) {
	t.Helper()
	truth, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "demo"), Seed: seed, Households: households})
	if err != nil {
		t.Fatal(err)
	}
	kafkaAddr := freeAddr(t)
	if err := bus.Secure([]string{kafkaAddr}, bus.Security{SASL: &testKafkaUser}); err != nil {
		t.Fatal(err)
	}
	connCfg := writeDemoConfig(t, root, "connectors", kafkaAddr, "", config.ClickHouse{}, "unused")
	fill := startProcess(t, ctx, connCfg.path, "connectors")
	for {
		n, err := pendingDropFiles(connCfg.cfg)
		if err == nil && n == 0 {
			return truth, kafkaAddr, connCfg, fill
		}
		if !sleepOrDone(ctx, 200*time.Millisecond) {
			t.Fatalf("the connectors did not take the drop folders in: %v", fill.log())
		}
	}
}

// checkDeadLetters: the dead-letter topics hold exactly the truth's invalid
// records, as many per source.
func checkDeadLetters(ctx context.Context, t *testing.T, brokers []string, cfg *config.Config, truth *demo.Truth) {
	t.Helper()
	letters, err := bus.CountDeadLetters(ctx, brokers, sourceNames(cfg))
	if err != nil {
		t.Fatal(err)
	}
	want := invalidPerSource(truth)
	for _, s := range cfg.Sources {
		if letters[s.Name] != want[s.Name] {
			t.Errorf("dlq.%s holds %d records, truth has %d invalid", s.Name, letters[s.Name], want[s.Name])
		}
	}
}

// invalidPerSource counts the truth's invalid records by source.
func invalidPerSource(truth *demo.Truth) map[string]int64 {
	want := map[string]int64{}
	for _, inv := range truth.Invalid {
		want[inv.Source]++
	}
	return want
}

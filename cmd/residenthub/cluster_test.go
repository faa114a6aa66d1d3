package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestDemoDistrictOnCluster runs the demo district through the hub on the
// replicated, sharded test cluster (deploy/local/cluster.sh: 2 shards × 2
// replicas, ZooKeeper): a connectors process fills the raw topics, two
// `-roles pipelines` processes share the consumer group, two `-roles api`
// processes answer checks all along. Mid-ingest the first replica of shard 1
// (the one inserts and reads go to) and one pipelines process are killed
// with SIGKILL. Checks must keep answering (200, 404 for a person not
// loaded yet, or 503 naming the reason; never a partial answer: a person
// once found is never missing again), and at the end every dataset holds what the
// truth says, every stored row exactly once, both replicas of each shard the
// same rows, and every household's decision (asked of both API replicas) is
// the truth's.
func TestDemoDistrictOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	conn, ch := storetest.NewCluster(t) // skips when no cluster answers
	nodePID := filepath.Join(clusterHome(), "node1", "clickhouse.pid")
	if _, err := os.Stat(nodePID); err != nil {
		t.Fatalf("cannot find node1's pid file (the cluster must be started by deploy/local/cluster.sh of this checkout, or CLUSTER_HOME set): %v", err)
	}
	t.Cleanup(func() { restartNode(t, "node1") })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := t.TempDir()
	truth, kafkaAddr, connCfg, fill := fillBroker(t, ctx, root, 13, 800)
	brokers := []string{kafkaAddr}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if !sleepOrDone(ctx, 50*time.Millisecond) {
				t.Fatalf("timed out waiting until %s", what)
			}
		}
	}
	topics := rawTopics(connCfg.cfg)
	total := messagesIn(t, ctx, kafkaAddr, topics)
	lag := func() int64 {
		n, err := bus.TotalGroupLag(ctx, brokers, "gc", topics)
		if err != nil {
			return -1
		}
		return n
	}

	pipeCfg := writeClusterConfig(t, root, "pipelines", kafkaAddr, ch)
	api1 := writeClusterConfig(t, root, "api1", kafkaAddr, ch)
	api2 := writeClusterConfig(t, root, "api2", kafkaAddr, ch)
	bases := []string{"http://" + api1.cfg.HTTP.Listen, "http://" + api2.cfg.HTTP.Listen}
	startProcess(t, ctx, api1.path, "api")
	startProcess(t, ctx, api2.path, "api")
	for _, base := range bases {
		waitFor("the API replicas are ready", func() bool { return get(ctx, base+"/readyz") == http.StatusOK })
	}

	// Checks all along, alternating the API replicas.
	var heads []demo.Resident
	residents := map[string]demo.Resident{}
	for _, r := range truth.Residents {
		residents[r.IDNumber] = r
	}
	for _, h := range truth.Households {
		if r, ok := residents[h.ApplicantID]; ok {
			heads = append(heads, r)
		}
	}
	var (
		mu        sync.Mutex
		statuses  = map[int]int{}
		found     = map[string]bool{}
		last503   string
		after503  int
		restarted bool
		bad       []string
		killed    bool
		afterOK   int
	)
	stopChecks := make(chan struct{})
	checksDone := make(chan struct{})
	go func() {
		defer close(checksDone)
		for i := 0; ; i++ {
			select {
			case <-stopChecks:
				return
			default:
			}
			r := heads[i%len(heads)]
			status, body := check(ctx, bases[i%2], r)
			mu.Lock()
			statuses[status]++
			switch {
			case status == http.StatusOK:
				found[r.IDNumber] = true
				if killed {
					afterOK++
				}
			case status == http.StatusServiceUnavailable && strings.Contains(body, `"error"`):
				last503 = body
				if restarted {
					after503++
				}
			case status == http.StatusNotFound && strings.Contains(body, `"person_not_found"`) && !found[r.IDNumber]:
				// Not loaded yet. Once found, a person is never "not found"
				// again: that would be a read from a lagging replica or
				// without a shard.
			default:
				if len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("status %d: %.200s", status, body))
				}
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()

	a := startProcess(t, ctx, pipeCfg.path, "pipelines")
	waitFor("the first pipelines process commits", func() bool { n := lag(); return n >= 0 && n < total })
	b := startProcess(t, ctx, pipeCfg.path, "pipelines")
	waitFor("both pipelines processes hold partitions", func() bool { return assignedMembers(ctx, kafkaAddr, "gc") == 2 })
	if n := lag(); n <= 0 {
		t.Fatalf("lag %d before the kills: the load ended too early to interrupt it (grow the district)", n)
	}
	t.Logf("%d raw messages; SIGKILL to node1 (shard 1, replica 1) and one pipelines process with %d uncommitted", total, lag())
	killNode(t, nodePID)
	a.kill(t)
	mu.Lock()
	killed = true
	mu.Unlock()
	// Shard 1 now has one replica, which may lack parts only node1 had
	// (written just before the kill, not yet fetched): until node1 is back,
	// reads of shard 1 then fail (code 369, the API answers 503) rather than
	// answer without them, and the pipelines retry. The operator (here the
	// test) restarts the crashed server after a while.
	sleepOrDone(ctx, 4*time.Second)
	mu.Lock()
	during := fmt.Sprint(statuses)
	mu.Unlock()
	t.Logf("checks until node1 is back: %s (%.200s)", during, last503)
	restartNode(t, "node1")
	mu.Lock()
	restarted = true
	mu.Unlock()
	for i := 0; lag() != 0; i++ {
		if i%50 == 0 {
			t.Logf("lag %d, lagging on node1: %v node2: %v", lag(), replicaState(ctx, t, ch, store.Addrs(ch.Addr)[0]), replicaState(ctx, t, ch, store.Addrs(ch.Addr)[1]))
		}
		if !sleepOrDone(ctx, 100*time.Millisecond) {
			lines := strings.Split(b.log(), "\n")
			t.Fatalf("timed out waiting until the other pipelines process loads the rest (lag %d); replicas: %v\nits log ends:\n%s",
				lag(), replicaState(ctx, t, ch, store.Addrs(ch.Addr)[1]), strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	}
	waitFor("checks answer after the kills", func() bool { mu.Lock(); defer mu.Unlock(); return afterOK >= 10 })
	close(stopChecks)
	<-checksDone
	t.Logf("checks during the load: %v (%d answered after the kill; %d answered 503 after the restart, the last: %.200s)", statuses, afterOK, after503, last503)
	if len(bad) > 0 {
		t.Fatalf("checks answered neither 200 nor 503 with a reason: %v", bad)
	}
	if err := b.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("pipelines process exited with %v after SIGTERM; log:\n%s", err, b.log())
	}

	// The killed replica is back and has caught up: both replicas of each
	// shard hold the same rows. (Within a second of a failover a read may
	// miss the newest blocks, see store.ClusterSettings; the answers below
	// are those of the stored load.)
	db := store.QuoteIdent(ch.Database)
	addrs := store.Addrs(ch.Addr)
	localCount := func(addr, table string) uint64 {
		one := ch
		one.Addr = addr
		c, err := store.Open(ctx, one)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := db + "." + table + store.LocalSuffix
		if a, ok := strings.CutPrefix(table, "analytics."); ok {
			local = store.QuoteIdent(ch.AnalyticsDatabase) + "." + a + store.LocalSuffix
		}
		if err := c.Exec(ctx, "SYSTEM SYNC REPLICA "+local); err != nil {
			t.Fatalf("%s on %s: %v", local, addr, err)
		}
		var n uint64
		if err := c.QueryRow(ctx, "SELECT count() FROM "+local+" FINAL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range []string{"person", "employment", "profile_rows", "analytics.intake_history"} {
		for s := 0; s < 2; s++ {
			if n1, n2 := localCount(addrs[2*s], table), localCount(addrs[2*s+1], table); n1 != n2 || n1 == 0 {
				t.Errorf("%s on shard %d: replicas hold %d and %d rows", table, s+1, n1, n2)
			}
		}
	}
	// Every dataset as the truth says, every row once.
	got, err := store.CurrentRowCounts(ctx, conn, ch)
	if err != nil {
		t.Fatal(err)
	}
	for dataset, want := range truth.Counts {
		if got[dataset] != uint64(want.Current) {
			t.Errorf("%s has %d current rows, truth says %d", dataset, got[dataset], want.Current)
		}
	}
	for name := range schema.Datasets {
		key := "id_number, source, record_key, source_time"
		var final, distinct uint64
		q := fmt.Sprintf("SELECT (SELECT count() FROM %s.%s FINAL), (SELECT uniqExact(%s) FROM %s.%s)", db, name, key, db, name)
		if err := conn.QueryRow(ctx, q).Scan(&final, &distinct); err != nil {
			t.Fatal(err)
		}
		if final != distinct {
			t.Errorf("%s: %d rows after FINAL for %d distinct versions: a version stored on two shards", name, final, distinct)
		}
	}
	// The read side holds every stored version (its views fill it in the
	// same insert).
	for _, name := range []string{"person", "residence", "social_insurance", "employment", "health", "asset"} {
		var hist, read uint64
		q := fmt.Sprintf("SELECT (SELECT count() FROM %s.%s FINAL), (SELECT count() FROM %s.profile_rows FINAL WHERE dataset = '%s')", db, name, db, name)
		if err := conn.QueryRow(ctx, q).Scan(&hist, &read); err != nil {
			t.Fatal(err)
		}
		if hist != read {
			t.Errorf("%s: %d versions stored, %d on the read side", name, hist, read)
		}
	}
	checkDeadLetters(ctx, t, brokers, connCfg.cfg, truth)

	// Every household's decision, from both API replicas.
	wrong := 0
	for i, h := range truth.Households {
		r, ok := residents[h.ApplicantID]
		if !ok {
			continue
		}
		status, body := check(ctx, bases[i%2], r)
		var ans struct {
			Decision string `json:"decision"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &ans) != nil {
			t.Fatalf("household check after the load: status %d: %.300s", status, body)
		}
		if ans.Decision != h.Decision {
			if wrong++; wrong <= 5 {
				t.Errorf("household %d: decision %s, truth %s", i, ans.Decision, h.Decision)
			}
		}
	}
	if wrong > 0 {
		t.Fatalf("%d of %d households answered differently from the truth", wrong, len(truth.Households))
	}

	_ = fill.stop(t, syscall.SIGTERM)
}

// writeClusterConfig is writeDemoConfig for a process of the cluster
// deployment: clickhouse ch (the cluster), the external broker, group gc.
func writeClusterConfig(t *testing.T, root, name, broker string, ch config.ClickHouse) demoConfig {
	t.Helper()
	c := writeDemoConfig(t, root, name, "", broker, ch, "gc")
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "  pseudonym_salt: ", "  cluster: "+ch.Cluster+"\n  pseudonym_salt: ", 1)
	// Retry soon after the restarted server is back. Two batches in flight:
	// the first pipelines process must still be loading when the second
	// has joined and the kills come (with the default bound it fetched the
	// whole district at once and could commit it before).
	s = strings.Replace(s, "  group_id: gc\n", "  group_id: gc\n  max_backoff: 2s\n  max_in_flight: 2000\n", 1)
	if err := os.WriteFile(c.path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(c.path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Cluster != ch.Cluster || cfg.Pipelines.MaxBackoff != 2*time.Second || cfg.Pipelines.MaxInFlight != 2000 {
		t.Fatalf("%s: clickhouse.cluster, pipelines.max_backoff or max_in_flight not set", c.path)
	}
	return demoConfig{path: c.path, cfg: cfg}
}

// check asks base for r's household's dibao decision.
func check(ctx context.Context, base string, r demo.Resident) (int, string) {
	body, _ := json.Marshal(map[string]string{"program": "dibao", "id_number": r.IDNumber, "name": r.Name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/checks", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Authorization", "Bearer demo-caseworker-key")
	req.Header.Set("X-Purpose", "cluster test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(ctx context.Context, url string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// clusterHome is deploy/local/cluster.sh's data folder: CLUSTER_HOME, or
// var/cluster of this checkout.
func clusterHome() string {
	if h := os.Getenv("CLUSTER_HOME"); h != "" {
		return h
	}
	return filepath.Join("..", "..", "var", "cluster")
}

// killNode ends the ClickHouse server of pidFile with SIGKILL, as a crash
// would, and waits until it is gone.
func killNode(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", pidFile, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("cannot kill node (pid %d): %v", pid, err)
	}
	for i := 0; i < 200 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// restartNode starts one server of the cluster again (cluster.sh start
// node<N> does nothing when it runs).
func restartNode(t *testing.T, node string) {
	cmd := exec.Command(filepath.Join("..", "..", "deploy", "local", "cluster.sh"), "start", node)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("cannot restart %s: %v\n%s", node, err, out)
	}
}

// replicaState lists the replicated tables of ch.Database on addr that lag.
func replicaState(ctx context.Context, t *testing.T, ch config.ClickHouse, addr string) [][]string {
	one := ch
	one.Addr = addr
	c, err := store.Open(ctx, one)
	if err != nil {
		return [][]string{{err.Error()}}
	}
	defer c.Close()
	return storetest.Cells(t, c, "SELECT table, absolute_delay, queue_size, last_queue_update FROM system.replicas WHERE database = "+store.QuoteString(ch.Database)+" AND (absolute_delay > 0 OR queue_size > 0)")
}

package pipelines

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
	"github.com/segmentio/kafka-go"
)

// harness is an embedded Kafka broker over TCP and a fresh ClickHouse
// database on the real server.
type harness struct {
	t       *testing.T
	brokers []string
	conn    driver.Conn
	cfg     *config.Config
	writer  *bus.Writer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	broker, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	conn, chcfg := storetest.New(t)
	cfg := config.Default()
	cfg.ClickHouse = chcfg
	cfg.Kafka.Partitions = 2
	cfg.Pipelines.GroupID = "g-" + randomID()
	cfg.Pipelines.BatchRows = 50
	cfg.Pipelines.MaxInFlight = 50 // one batch: what TestClickHouseDownRetriesAndBoundsMemory bounds
	cfg.Pipelines.Linger = 100 * time.Millisecond
	cfg.Pipelines.MaxBackoff = 400 * time.Millisecond
	cfg.Sources = []config.Source{
		{Name: "hukou", Kind: "file", Dataset: "person", Key: []string{"id"}},
		{Name: "census", Kind: "file", Dataset: "person", Key: []string{"id"}},
		{Name: "payroll", Kind: "file", Dataset: "employment", Key: []string{"id"}},
		{Name: "vehicles", Kind: "file", Dataset: "asset", Key: []string{"资产编号"}},
	}
	h := &harness{t: t, brokers: broker.Brokers(), conn: conn, cfg: &cfg, writer: bus.NewWriter(broker.Brokers())}
	t.Cleanup(func() { h.writer.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var topics []string
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name), schema.DLQTopic(s.Name))
	}
	if err := bus.EnsureTopics(ctx, h.brokers, 2, topics...); err != nil {
		t.Fatal(err)
	}
	return h
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// produce writes envelopes to their sources' raw topics (key = record key).
func (h *harness) produce(envs ...*schema.Envelope) {
	h.t.Helper()
	msgs := make([]kafka.Message, len(envs))
	for i, e := range envs {
		v, err := e.Marshal()
		if err != nil {
			h.t.Fatal(err)
		}
		msgs[i] = kafka.Message{Topic: schema.RawTopic(e.Source), Key: []byte(e.RecordKey), Value: v}
	}
	h.produceRaw(msgs...)
}

func (h *harness) produceRaw(msgs ...kafka.Message) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.writer.WriteMessages(ctx, msgs...); err != nil {
		h.t.Fatal(err)
	}
}

// start runs a runner for cfg until the returned stop is called; stop
// returns Run's error.
func (h *harness) start(cfg *config.Config, hk hooks) (*Runner, func() error) {
	h.t.Helper()
	r, err := New(cfg, h.conn, h.brokers, nil, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	r.hooks = hk
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var stopped bool
	var runErr error
	stop := func() error {
		if !stopped {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				h.t.Fatal("Run did not return within 30 s of cancel")
			}
			stopped = true
		}
		return runErr
	}
	h.t.Cleanup(func() { _ = stop() })
	return r, stop
}

// runUntilIdle starts a runner, waits until it has committed everything,
// stops it and returns it (for its Status).
func (h *harness) runUntilIdle(cfg *config.Config) *Runner {
	h.t.Helper()
	r, stop := h.start(cfg, hooks{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.WaitIdle(ctx); err != nil {
		h.t.Fatal(err)
	}
	if err := stop(); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// loadedRunner loads envs (runUntilIdle: the databases are migrated and
// hold them) and returns a new, not running Runner over them, for tests of
// its steps.
func (h *harness) loadedRunner(envs ...*schema.Envelope) *Runner {
	h.t.Helper()
	h.produce(envs...)
	h.runUntilIdle(h.cfg)
	r, err := New(h.cfg, h.conn, h.brokers, nil, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// query returns the rows of a query as lines of tab-separated values.
func (h *harness) query(q string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q = strings.ReplaceAll(q, "{db}", store.QuoteIdent(h.cfg.ClickHouse.Database))
	q = strings.ReplaceAll(q, "{analytics_db}", store.QuoteIdent(h.cfg.ClickHouse.AnalyticsDatabase))
	rows, err := h.conn.Query(ctx, q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			h.t.Fatalf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(out, "\n")
}

// profile is what an analyst or the API sees: the current records (latest
// version per source record, deletes removed), counts and income sums, the
// currently rejected records and the identity conflicts. Every query reads
// with FINAL or dedupes by key, as the profile tables require.
func (h *harness) profile() string {
	h.t.Helper()
	current := func(table, cols string) string {
		return h.query(fmt.Sprintf(`SELECT concat(%s) FROM {db}.%s FINAL
			WHERE deleted = 0 AND (source, record_key, source_time) IN (SELECT source, record_key, max(source_time) FROM {db}.%s GROUP BY source, record_key)
			ORDER BY source, record_key`, cols, table, table))
	}
	parts := []string{
		"person:\n" + current("person", "source, '|', record_key, '|', id_number, '|', name, '|', toString(birth_date), '|', sex, '|', status"),
		"employment:\n" + current("employment", "source, '|', record_key, '|', id_number, '|', toString(period), '|', toString(gross_income_fen)"),
		"income: " + h.query(`SELECT toString(sum(gross_income_fen)) FROM {db}.employment FINAL WHERE deleted = 0 AND (source, record_key, source_time) IN
			(SELECT source, record_key, max(source_time) FROM {db}.employment GROUP BY source, record_key)`),
		"rows: " + h.query(`SELECT toString((SELECT count() FROM {db}.person FINAL) + (SELECT count() FROM {db}.employment FINAL))`),
		"rejected: " + h.query(`SELECT concat(source, '|', record_key, '|', field) FROM {db}.rejects_current ORDER BY source, record_key, kafka_offset`),
		"conflicts: " + h.query(`SELECT concat(id_number, '|', field, '|', source_a, '=', value_a, '|', source_b, '=', value_b) FROM {db}.identity_conflict FINAL ORDER BY id_number, field`),
	}
	return strings.Join(parts, "\n")
}

// readDLQ reads n dead letters from dlq.<source> with a fresh consumer group.
func (h *harness) readDLQ(source string, n int) []schema.DeadLetter {
	h.t.Helper()
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: h.brokers, GroupID: "dlq-" + randomID(), GroupTopics: []string{schema.DLQTopic(source)},
		MaxWait: 100 * time.Millisecond, StartOffset: kafka.FirstOffset})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []schema.DeadLetter
	for len(out) < n {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			h.t.Fatalf("read %d of %d dead letters: %v", len(out), n, err)
		}
		var d schema.DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// validID completes 17 digits with their GB 11643-1999 check character.
func validID(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

var t0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func person(source, key, id, name, birth string, at time.Time) *schema.Envelope {
	f := map[string]string{"id_number": id, "name": name, "household_id": "H" + key}
	if birth != "" {
		f["birth_date"] = birth
	}
	return &schema.Envelope{Source: source, Dataset: "person", RecordKey: key, Op: schema.OpUpsert, SourceTime: at, Fields: f}
}

func income(key, id, period, yuan string, at time.Time) *schema.Envelope {
	return &schema.Envelope{Source: "payroll", Dataset: "employment", RecordKey: key, Op: schema.OpUpsert, SourceTime: at,
		Fields: map[string]string{"id_number": id, "period": period, "gross_income_fen": yuan, "income_kind": "工资"}}
}

func deletion(source, dataset, key string, at time.Time) *schema.Envelope {
	return &schema.Envelope{Source: source, Dataset: dataset, RecordKey: key, Op: schema.OpDelete, SourceTime: at}
}

func asset(key, id, kind string, at time.Time) *schema.Envelope {
	return &schema.Envelope{Source: "vehicles", Dataset: "asset", RecordKey: key, Op: schema.OpUpsert, SourceTime: at,
		Fields: map[string]string{"id_number": id, "asset_kind": kind, "value_fen": "1000"}}
}

package pipelines

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// recordingConn is the real ClickHouse connection, noting the text of every
// statement sent through it.
type recordingConn struct {
	driver.Conn
	mu    sync.Mutex
	texts []string
}

func (c *recordingConn) note(q string) {
	c.mu.Lock()
	c.texts = append(c.texts, q)
	c.mu.Unlock()
}

func (c *recordingConn) Query(ctx context.Context, q string, args ...any) (driver.Rows, error) {
	c.note(q)
	return c.Conn.Query(ctx, q, args...)
}

func (c *recordingConn) QueryRow(ctx context.Context, q string, args ...any) driver.Row {
	c.note(q)
	return c.Conn.QueryRow(ctx, q, args...)
}

func (c *recordingConn) Exec(ctx context.Context, q string, args ...any) error {
	c.note(q)
	return c.Conn.Exec(ctx, q, args...)
}

func (c *recordingConn) PrepareBatch(ctx context.Context, q string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	c.note(q)
	return c.Conn.PrepareBatch(ctx, q, opts...)
}

// TestNoPersonalDataInQueryText loads the scenario (persons, incomes,
// deletes by record key, conflicts, rejects) and a second round that looks
// the first one up, and checks that no statement's text holds an ID number,
// a name or a record key: ClickHouse shows query text to every user.
func TestNoPersonalDataInQueryText(t *testing.T) {
	h := newHarness(t)
	rec := &recordingConn{Conn: h.conn}
	h.conn = rec
	h.produceScenario()
	h.runUntilIdle(h.cfg)
	h.produce(person("census", "c7", idA, "张山", "", t0.Add(time.Hour)), deletion("hukou", "person", "p1", t0.Add(5*time.Hour)))
	h.runUntilIdle(h.cfg)
	if len(rec.texts) < 10 {
		t.Fatalf("only %d statements recorded", len(rec.texts))
	}
	secret := []string{idA, idB, idC, "110105198001010010", "张三", "李四", "李思", "王五", "张山", "'p1'", "'p2'", "'c1'", "'e1'"}
	for _, q := range rec.texts {
		for _, s := range secret {
			if strings.Contains(q, s) {
				t.Fatalf("statement holds %q:\n%s", s, q)
			}
		}
	}
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestAnalyticsViewsAreCurrentAndDeidentified loads history, a replayed
// duplicate and a delete, then reads the analysts' view.
func TestAnalyticsViewsAreCurrentAndDeidentified(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type row struct {
		id, name, key string
		deleted       uint8
		sourceTime    time.Time
	}
	rows := []row{
		{"110105199001011234", "张三", "k1", 0, t0},
		{"110105199001011234", "张三丰", "k1", 0, t0.Add(time.Hour)}, // newer version
		{"110105199001011234", "张三丰", "k1", 0, t0.Add(time.Hour)}, // replayed duplicate
		{"110105198001011235", "李四", "k2", 0, t0},
		{"110105198001011235", "李四", "k2", 1, t0.Add(time.Hour)}, // deleted
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+store.QuoteIdent(cfg.Database)+".person (id_number, name, household_id, birth_date, source, record_key, deleted, source_time, ingest_time)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := batch.Append(r.id, r.name, "H1", t0, "hukou", r.key, r.deleted, r.sourceTime, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+".person").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("analytics.person has %d current rows, want 1", n)
	}
	cols, err := conn.Query(ctx, "DESCRIBE TABLE "+store.QuoteIdent(cfg.AnalyticsDatabase)+".person")
	if err != nil {
		t.Fatal(err)
	}
	defer cols.Close()
	for cols.Next() {
		var name, typ, dk, de, comment string
		if err := cols.Scan(&name, &typ, &dk, &de, &comment); err != nil {
			t.Fatal(err)
		}
		switch name {
		case "id_number", "name", "phone", "hukou_address", "household_id", "birth_date":
			t.Fatalf("analytics.person exposes %s", name)
		}
	}
}

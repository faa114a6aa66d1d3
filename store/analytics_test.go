package store_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/analytics"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestAnalyticsViewsAreCurrentAndDeidentified loads history, a replayed
// duplicate, a delete and a record that moved to another person into the
// profile tables, then reads the analysts' views: current records only,
// pseudonymised, no salt anywhere in the analytics database, and nothing
// there reads the profile database (it still answers once that is dropped).
func TestAnalyticsViewsAreCurrentAndDeidentified(t *testing.T) {
	conn, cfg := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	an := store.QuoteIdent(cfg.AnalyticsDatabase)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	const idA, idB, idC = "110105199001011234", "110105198001011235", "110105197001011236"
	person := func(id, name, key string, deleted uint8, at time.Time) storetest.Row {
		return storetest.Row{"id_number": id, "name": name, "household_id": "H1", "birth_date": "1990-05-06", "phone": "13800000000",
			"hukou_address": "朝阳路1号", "status": "normal", "source": "hukou", "record_key": key, "deleted": deleted,
			"source_time": at, "ingest_time": at}
	}
	storetest.Insert(t, conn, cfg, "person",
		person(idA, "张三", "k1", 0, t0),
		person(idA, "张三丰", "k1", 0, t1), // newer version
		person(idA, "张三丰", "k1", 0, t1), // replayed duplicate
		person(idB, "李四", "k2", 0, t0),
		person(idB, "", "k2", 1, t1), // deleted
	)
	storetest.Insert(t, conn, cfg, "asset",
		storetest.Row{"id_number": idA, "asset_kind": "vehicle", "value_fen": int64(100), "source": "dmv", "record_key": "V-1", "source_time": t0, "ingest_time": t0},
		// V-1 moves to C: the pipelines write a tombstone under A at the update's time.
		storetest.Row{"id_number": idA, "source": "dmv", "record_key": "V-1", "deleted": uint8(1), "source_time": t1, "ingest_time": t1},
		storetest.Row{"id_number": idC, "asset_kind": "vehicle", "value_fen": int64(100), "source": "dmv", "record_key": "V-1", "source_time": t1, "ingest_time": t1},
	)
	storetest.Insert(t, conn, cfg, "hotline_ticket",
		storetest.Row{"ticket_id": "T1", "id_number": "", "time": t0, "summary": "张三 says", "source": "hotline", "record_key": "T1", "source_time": t0, "ingest_time": t0},
	)

	key := func(s string) string { return store.Pseudonym(cfg.PseudonymSalt, s) }
	readViews := func(when string) {
		t.Helper()
		lines := func(q string) string {
			t.Helper()
			rows, err := conn.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %s: %v", when, q, err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return strings.Join(out, "\n")
		}
		for _, c := range []struct{ q, want string }{
			{"SELECT concat(person_key, '|', household_key, '|', toString(birth_year), '|', status, '|', record_key_hash) FROM " + an + ".person",
				key(idA) + "|" + key("H1") + "|1990|normal|" + key("k1")},
			{"SELECT concat(person_key, '|', asset_kind) FROM " + an + ".asset", key(idC) + "|vehicle"},
			{"SELECT concat(ticket_id, '|', person_key, '|') FROM " + an + ".hotline_ticket", "T1||"},
		} {
			if got := lines(c.q); got != c.want {
				t.Fatalf("%s: %s = %q, want %q", when, c.q, got, c.want)
			}
		}
	}
	readViews("with the profile database")

	// Every dataset has its history table and current view, nothing is there
	// that the catalog (docs/analytics.md) does not describe, no definition
	// holds the salt or names the profile database.
	rows, err := conn.Query(ctx, "SELECT name, engine, create_table_query FROM system.tables WHERE database = ?", cfg.AnalyticsDatabase)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var name, engine, create string
		if err := rows.Scan(&name, &engine, &create); err != nil {
			t.Fatal(err)
		}
		names = append(names, name+" "+engine)
		if create == "" {
			t.Fatalf("no definition for %s", name)
		}
		if strings.Contains(create, cfg.PseudonymSalt) {
			t.Fatalf("%s.%s shows the pseudonym salt: %s", cfg.AnalyticsDatabase, name, create)
		}
		for _, raw := range []string{cfg.Database + ".", "`" + cfg.Database + "`."} {
			if strings.Contains(create, raw) {
				t.Fatalf("%s.%s reads the profile database: %s", cfg.AnalyticsDatabase, name, create)
			}
		}
		if engine == "View" && strings.Contains(create, "id_number") {
			t.Fatalf("%s.%s mentions id_number: %s", cfg.AnalyticsDatabase, name, create)
		}
	}
	rows.Close()
	var want []string
	for _, tb := range analytics.Catalog() {
		want = append(want, tb.Name+" "+tb.Engine)
	}
	for ds := range schema.Datasets {
		if _, ok := analytics.Lookup(ds + "_history"); !ok {
			t.Fatalf("the analytics catalog lacks %s_history", ds)
		}
	}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, ", ") != strings.Join(want, ", ") {
		t.Fatalf("analytics database holds %v, want %v", names, want)
	}
	for ds := range schema.Datasets {
		cols, err := conn.Query(ctx, "DESCRIBE TABLE "+an+"."+ds+"_history")
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var name, typ, dk, de, comment string
			if err := cols.Scan(&name, &typ, &dk, &de, &comment); err != nil {
				t.Fatal(err)
			}
			switch name {
			case "id_number", "name", "phone", "hukou_address", "address", "household_id", "birth_date", "summary", "record_key":
				t.Fatalf("analytics %s_history exposes %s", ds, name)
			}
		}
		cols.Close()
	}

	// The views run with the caller's rights: they must not need the
	// profile database at all.
	if err := conn.Exec(ctx, "DROP DATABASE "+store.QuoteIdent(cfg.Database)); err != nil {
		t.Fatal(err)
	}
	readViews("without the profile database")
}

package analytics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestViewsGiveChinaDates: a record changed at 07:30 in Beijing (23:30 UTC
// the day before) is on the Beijing day in source_date, and the day turns
// at 16:00 UTC.
func TestViewsGiveChinaDates(t *testing.T) {
	conn, cfg := storetest.New(t)
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	storetest.Insert(t, conn, cfg, "person",
		storetest.Row{"id_number": "110105195001011234", "name": "张三", "household_id": "H1", "status": "normal", "source": "hukou", "record_key": "k1",
			"source_time": at("2026-01-01 23:30:00"), "ingest_time": at("2026-01-01 23:31:00")})
	storetest.Insert(t, conn, cfg, "hotline_ticket",
		storetest.Row{"ticket_id": "T1", "time": at("2026-01-01 15:59:59"), "source": "hotline", "record_key": "T1", "source_time": at("2026-01-01 16:00:00")})
	an := store.QuoteIdent(cfg.AnalyticsDatabase)
	for q, want := range map[string]string{
		"SELECT concat(toString(source_time), ' ', toString(source_date)) FROM " + an + ".person":                                           "2026-01-01 23:30:00 2026-01-02",
		"SELECT concat(toString(ticket_date), ' ', toString(source_date)) FROM " + an + ".hotline_ticket":                                   "2026-01-01 2026-01-02",
		"SELECT toString(message_date) FROM " + an + ".intake":                                                                              "",
		"SELECT concat(toString(members), ' ', toString(persons), ' [', community_code, ']') FROM " + an + ".household":                     "1 1 []",
		"SELECT concat(toString(birth_year), ' ', status, ' ', toString(household_key != '')) FROM " + an + ".resident":                     "0 normal 1",
		"SELECT concat(ifNull(toString(households), 'NULL'), ' ', ifNull(toString(residents), 'NULL')) FROM " + an + ".community_published": "NULL NULL",
	} {
		if got := lines(t, conn, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}

// TestCommunityPublishedSuppressesUnderFiveHouseholds: a community of 4
// households shows NULL, one of 5 shows its counts; a cell of people aged 80+
// is shown only when 5 households have such a member.
func TestCommunityPublishedSuppressesUnderFiveHouseholds(t *testing.T) {
	conn, cfg := storetest.New(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := fmt.Sprint(time.Now().Year() - 85)
	n := 0
	var persons, residences []storetest.Row
	add := func(community string, households, oldHouseholds int) {
		for h := 0; h < households; h++ {
			for m := 0; m < 2; m++ {
				n++
				id := fmt.Sprintf("P%05d", n) // any text: the views only hash it
				birth := "1990-01-01"
				if m == 0 && h < oldHouseholds {
					birth = old + "-06-01"
				}
				hh := fmt.Sprintf("%s-H%d", community, h)
				persons = append(persons, storetest.Row{"id_number": id, "name": "某", "household_id": hh, "birth_date": birth, "status": "normal",
					"source": "hukou", "record_key": id, "source_time": t0, "ingest_time": t0})
				residences = append(residences, storetest.Row{"id_number": id, "address": "某处", "community_code": community,
					"source": "residence", "record_key": id, "source_time": t0, "ingest_time": t0})
			}
		}
	}
	add("110105001001", 4, 4)
	add("110105001002", 5, 5)
	add("110105001003", 7, 4)
	storetest.Insert(t, conn, cfg, "person", persons...)
	storetest.Insert(t, conn, cfg, "residence", residences...)
	got := lines(t, conn, "SELECT concat(community_code, ' ', ifNull(toString(households), 'NULL'), ' ', ifNull(toString(residents), 'NULL'), ' ', "+
		"ifNull(toString(aged_80_plus), 'NULL')) FROM "+store.QuoteIdent(cfg.AnalyticsDatabase)+".community_published ORDER BY community_code")
	want := "110105001001 NULL NULL NULL\n110105001002 5 10 5\n110105001003 7 14 NULL"
	if got != want {
		t.Fatalf("community_published:\n%s\nwant:\n%s", got, want)
	}
}

func lines(t *testing.T, conn driver.Conn, q string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
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

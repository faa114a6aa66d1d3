package profile

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// benchResidents is the district size of the benchmarks: 1,000,000, or
// RESIDENTHUB_BENCH_RESIDENTS (a smaller district while developing).
var benchResidents = func() int {
	if n, err := strconv.Atoi(os.Getenv("RESIDENTHUB_BENCH_RESIDENTS")); err == nil && n >= 8 {
		return n
	}
	return 1_000_000
}()

// BenchmarkDibaoHousehold loads 1,000,000 residents (households of 4, one
// payroll row each, pensions and assets for a quarter) and measures a dibao
// check of one household (Reader.Household + eligibility.Evaluate) against a
// single primary-key point query on person and a scan of a non-key column
// over the million rows, all in the same run. Metrics x_point_query and
// x_nonkey_scan are the check's cost in those units. Run with
//
//	go test -run '^$' -bench DibaoHousehold ./profile/
func BenchmarkDibaoHousehold(b *testing.B) {
	conn, cfg := storetest.New(b)
	ctx := context.Background()
	start := time.Now()
	loadResidents(b, conn, cfg, benchResidents)
	b.Logf("loaded %d residents in %s", benchResidents, time.Since(start).Round(time.Millisecond))

	asOf := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	target := benchID(benchResidents/2 + 1) // a member of a household in the middle
	reader := NewReader(conn, cfg)
	reg, err := eligibility.Default()
	if err != nil {
		b.Fatal(err)
	}
	prog, _ := reg.Program("dibao")

	var pointNs float64
	b.Run("point_query", func(b *testing.B) {
		// The ID number travels as an external table, as the reader's do.
		q := "SELECT name FROM " + store.QuoteIdent(cfg.Database) + ".person WHERE id_number IN _ids"
		ids, err := ext.NewTable("_ids", ext.Column("id", "String"))
		if err != nil {
			b.Fatal(err)
		}
		if err := ids.Append(target); err != nil {
			b.Fatal(err)
		}
		lookup := clickhouse.Context(ctx, clickhouse.WithExternalTable(ids))
		for i := 0; i < b.N; i++ {
			var name string
			if err := conn.QueryRow(lookup, q).Scan(&name); err != nil {
				b.Fatal(err)
			}
		}
		pointNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	var scanNs float64
	b.Run("nonkey_scan", func(b *testing.B) {
		// The floor a check must stay well under: one scan of a non-key column.
		q := "SELECT count() FROM " + store.QuoteIdent(cfg.Database) + ".person WHERE name = ?"
		for i := 0; i < b.N; i++ {
			var n uint64
			if err := conn.QueryRow(ctx, q, "nobody").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
		scanNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("household_check", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			h, err := reader.Household(ctx, target, asOf)
			if err != nil {
				b.Fatal(err)
			}
			d := eligibility.Evaluate(prog, eligibility.NewInput(h.Facts()), asOf)
			if len(h.Members) != 4 || d.Decision == "" {
				b.Fatalf("household of %d, decision %q", len(h.Members), d.Decision)
			}
		}
		if pointNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pointNs, "x_point_query")
			b.ReportMetric(pointNs, "point_query_ns")
		}
		if scanNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/scanNs, "x_nonkey_scan")
		}
	})
}

func benchID(i int) string { return fmt.Sprintf("110105%011dX", i) }

// loadResidents inserts n persons in households of 4 with one payroll row
// each (six months for the target household's members), and a pension and a
// deposit for every fourth person.
func loadResidents(b testing.TB, conn driver.Conn, cfg config.ClickHouse, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	db := store.QuoteIdent(cfg.Database)
	st := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	send := func(table, cols string, rows int, appendRow func(batch driver.Batch, i int) error) {
		const chunk = 250_000
		for lo := 0; lo < rows; lo += chunk {
			batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+"."+table+" ("+cols+")")
			if err != nil {
				b.Fatal(err)
			}
			for i := lo; i < min(lo+chunk, rows); i++ {
				if err := appendRow(batch, i); err != nil {
					b.Fatal(err)
				}
			}
			if err := batch.Send(); err != nil {
				b.Fatal(err)
			}
		}
	}
	send("person", "id_number, name, birth_date, household_id, hukou_division, status, source, record_key, source_time, ingest_time", n,
		func(batch driver.Batch, i int) error {
			id := benchID(i + 1)
			return batch.Append(id, "某人", birth.AddDate(0, 0, i%20000).Format(time.DateOnly), fmt.Sprintf("H%07d", i/4), "110105003", "normal", "hukou", id, st, st)
		})
	target := n/2 + 1
	hh := (target - 1) / 4
	send("employment", "id_number, period, gross_income_fen, income_kind, source, record_key, source_time, ingest_time", n+4*5,
		func(batch driver.Batch, i int) error {
			person, month := i, 2
			if i >= n { // five more months for the target household
				person, month = hh*4+(i-n)%4, 3+(i-n)/4
			}
			id := benchID(person + 1)
			period := st.AddDate(0, -month+1, 0).AddDate(0, -1, 0)
			return batch.Append(id, period, int64(50000+i%100000), "wage", "payroll", fmt.Sprintf("%s|%s", id, period.Format("2006-01")), st, st)
		})
	send("social_insurance", "id_number, insurance_type, status, monthly_pension_fen, source, record_key, source_time, ingest_time", n/4,
		func(batch driver.Batch, i int) error {
			id := benchID(4*i + 1)
			return batch.Append(id, "pension", "receiving", int64(100000), "hrss", id+"|p", st, st)
		})
	send("asset", "id_number, asset_kind, value_fen, source, record_key, source_time, ingest_time", n/4,
		func(batch driver.Batch, i int) error {
			id := benchID(4*i + 2)
			return batch.Append(id, "deposit", int64(1000000), "bank", id+"|d", st, st)
		})
	for _, t := range []string{"residence", "health"} {
		send(t, "id_number, source, record_key, source_time, ingest_time", 1000, func(batch driver.Batch, i int) error {
			id := benchID(i + 1)
			return batch.Append(id, t, id, st, st)
		})
	}
}

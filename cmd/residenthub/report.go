package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	counts, err := currentRowCounts(ctx, conn, cfg.ClickHouse)
	if err != nil {
		return err
	}
	fmt.Printf("current rows per dataset (clickhouse %s/%s):\n", cfg.ClickHouse.Addr, cfg.ClickHouse.Database)
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-18s %8d\n", n, counts[n])
	}
	dead, err := deadLetterCounts(ctx, brokersOf(cfg), cfg.Sources)
	if err != nil {
		return err
	}
	fmt.Println("dead letters per source (distinct records in Kafka dlq.<source>):")
	total := int64(0)
	for _, s := range cfg.Sources {
		fmt.Printf("  %-18s %8d\n", s.Name, dead[s.Name])
		total += dead[s.Name]
	}
	fmt.Printf("  %-18s %8d\n", "total", total)
	return nil
}

// brokersOf returns the configured brokers, or the embedded broker's address.
func brokersOf(cfg *config.Config) []string {
	if len(cfg.Kafka.Brokers) > 0 {
		return cfg.Kafka.Brokers
	}
	return []string{cfg.Kafka.EmbeddedListen}
}

// currentRowCounts counts, per dataset table, the source records whose latest
// version is not a delete (replayed duplicates count once).
func currentRowCounts(ctx context.Context, conn driver.Conn, cfg config.ClickHouse) (map[string]uint64, error) {
	out := map[string]uint64{}
	for name := range schema.Datasets {
		q := fmt.Sprintf(`SELECT count() FROM (
			SELECT argMax(deleted, source_time) AS d FROM %s.%s FINAL GROUP BY source, record_key
		) WHERE d = 0`, store.QuoteIdent(cfg.Database), name)
		var n uint64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("cannot count %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}

// deadLetterCounts counts the distinct dead letters of each source's
// dlq.<source> topic (readDeadLetters: a record rejected again counts once).
func deadLetterCounts(ctx context.Context, brokers []string, sources []config.Source) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range sources {
		letters, err := readDeadLetters(ctx, brokers, s.Name, math.MaxInt)
		if err != nil {
			return nil, err
		}
		out[s.Name] = int64(len(letters))
	}
	return out, nil
}

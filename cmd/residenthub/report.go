package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
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
	counts, err := store.CurrentRowCounts(ctx, conn, cfg.ClickHouse)
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
	brokers, err := brokersOf(cfg)
	if err != nil {
		return err
	}
	dead, err := bus.CountDeadLetters(ctx, brokers, sourceNames(cfg))
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
	if err := failedFiles(cfg); err != nil {
		fmt.Println(err) // listed, not fatal: the counts above stand
	}
	open, err := openAlarms(cfg.DataDir)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		fmt.Println("alarms: none")
		return nil
	}
	fmt.Printf("ALARMS: %d open (data_dir/alarms; acknowledge with `residenthub ack-alarms` once handled):\n", len(open))
	for _, a := range open {
		fmt.Println("  " + a.text)
	}
	return fmt.Errorf("%d open alarm(s)", len(open))
}

// brokersOf returns the configured brokers, or the embedded broker's
// address, with the hub's Kafka credentials set up for them (bus.Secure).
func brokersOf(cfg *config.Config) ([]string, error) {
	brokers := cfg.Kafka.Brokers
	if len(brokers) == 0 {
		brokers = []string{cfg.Kafka.EmbeddedListen}
	}
	sec, err := bus.SecurityFor(cfg.Kafka, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return brokers, bus.Secure(brokers, sec)
}

// sourceNames lists the configured sources' names in configuration order.
func sourceNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	return names
}

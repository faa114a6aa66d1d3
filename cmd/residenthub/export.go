package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/residenthub/residenthub/analytics/export"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

// cmdExport writes one analytics table to a Parquet or Arrow file. It
// connects as the hub's config says, or, with -addr, as an analyst: user
// -user, password from $CLICKHOUSE_PASSWORD, database -database — no hub
// config (and no pseudonym salt) needed.
func cmdExport(args []string) error {
	fs := flag.NewFlagSet("export", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file (ignored with -addr)")
	addr := fs.String("addr", "", "ClickHouse native address, to connect as an analyst instead of with the config")
	user := fs.String("user", "analyst", "ClickHouse user with -addr; the password is read from $CLICKHOUSE_PASSWORD")
	database := fs.String("database", "analytics", "analytics database with -addr")
	dataset := fs.String("dataset", "", "dataset or table of the analytics database (docs/analytics.md), e.g. person")
	asOf := fs.String("as-of", "", "export a dataset as it stood at the end of this day, YYYY-MM-DD (China time); default: current")
	format := fs.String("format", "parquet", "parquet, arrow or csv (for spreadsheets; formula-looking text neutralized)")
	out := fs.String("out", "", "file to write")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long")
	_ = fs.Parse(args)
	if *dataset == "" || *out == "" {
		return errors.New("export: -dataset and -out are required")
	}
	opts := export.Options{Table: *dataset, Format: export.Format(strings.ToLower(*format))}
	if *asOf != "" {
		d, err := time.ParseInLocation(time.DateOnly, *asOf, time.FixedZone("CST", 8*3600))
		if err != nil {
			return fmt.Errorf("export: -as-of %q: want YYYY-MM-DD", *asOf)
		}
		opts.AsOf = d
	}
	ch := config.Default().ClickHouse
	if *addr != "" {
		ch.Addr, ch.User, ch.Password, ch.AnalyticsDatabase = *addr, *user, os.Getenv("CLICKHOUSE_PASSWORD"), *database
	} else {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		ch = cfg.ClickHouse
	}
	export.LimitMemory()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := store.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	res, err := export.ToFile(ctx, conn, ch.AnalyticsDatabase, opts, *out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d rows of %s.%s (%s, %d record batches", *out, res.Rows, ch.AnalyticsDatabase, opts.Table, opts.Format, res.Batches)
	if res.RowGroups > 0 {
		fmt.Printf(", %d row groups", res.RowGroups)
	}
	fmt.Println(")")
	return nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/demo"
	"github.com/residenthub/residenthub/store"
)

func cmdMigrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	applied, err := store.Migrate(ctx, conn, cfg.ClickHouse)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Printf("clickhouse %s/%s: up to date\n", cfg.ClickHouse.Addr, cfg.ClickHouse.Database)
		return nil
	}
	fmt.Printf("clickhouse %s/%s: applied migrations %v\n", cfg.ClickHouse.Addr, cfg.ClickHouse.Database, applied)
	return nil
}

func cmdHashKey(args []string) error {
	key := ""
	if len(args) > 0 {
		key = args[0]
	} else {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("hash-key: cannot read a key from stdin: %w", err)
		}
		key = strings.TrimRight(line, "\r\n")
	}
	if key == "" {
		return errors.New("hash-key: empty key")
	}
	fmt.Println(config.HashKey(key))
	return nil
}

func cmdDemoData(args []string) error {
	fs := flag.NewFlagSet("demo-data", flag.ExitOnError)
	out := fs.String("out", "var/demo", "output folder (drop folders under <out>/drop, truth in <out>/truth.json)")
	seed := fs.Int64("seed", 1, "random seed (same seed and as-of give the same files)")
	households := fs.Int("households", 2000, "number of households")
	asOf := fs.String("as-of", "", "check date the truth is computed for, YYYY-MM-DD (default: today, Asia/Shanghai)")
	_ = fs.Parse(args)
	opts := demo.Options{Dir: *out, Seed: *seed, Households: *households}
	if *asOf != "" {
		d, err := time.Parse("2006-01-02", *asOf)
		if err != nil {
			return fmt.Errorf("demo-data: -as-of %q: want YYYY-MM-DD", *asOf)
		}
		opts.AsOf = d
	}
	truth, err := demo.Generate(opts)
	if err != nil {
		return err
	}
	sum := truth.Summary
	fmt.Printf("demo district %s as of %s: %d residents in %d households, %d invalid records; expected dibao decisions %v\n",
		truth.District, truth.AsOf, sum.Residents, sum.Households, sum.Invalid, sum.Decisions)
	for _, f := range truth.Files {
		fmt.Printf("  %-18s %-6s %-8s %6d records  %s\n", f.Source, f.Format, f.Encoding, f.Records, filepath.Join(*out, f.Path))
	}
	return writeExample(*out, truth)
}

// writeExample writes <out>/example.env naming the head of a household the
// truth says is dibao-eligible, for the demo's curl commands.
func writeExample(out string, truth *demo.Truth) error {
	names := map[string]string{}
	for _, r := range truth.Residents {
		names[r.IDNumber] = r.Name
	}
	for _, h := range truth.Households {
		if h.Decision == "eligible" && names[h.ApplicantID] != "" {
			name := names[h.ApplicantID]
			env := fmt.Sprintf("EXAMPLE_ID=%s\nEXAMPLE_NAME='%s'\nEXAMPLE_NAME_URL='%s'\nEXAMPLE_HOUSEHOLD=%s\n", h.ApplicantID, name, url.QueryEscape(name), h.HouseholdID)
			return os.WriteFile(filepath.Join(out, "example.env"), []byte(env), 0o644)
		}
	}
	return errors.New("demo-data: the truth has no dibao-eligible household to show")
}

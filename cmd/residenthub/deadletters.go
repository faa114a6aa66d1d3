package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
)

// cmdDeadLetters prints the records a source's connector or pipeline
// rejected (Kafka dlq.<source>), in file and line order, each record once:
// where it came from, the field and the reason. ID numbers in record keys and origins are masked.
func cmdDeadLetters(args []string) error {
	fs := flag.NewFlagSet("dead-letters", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	source := fs.String("source", "", "source name (required)")
	limit := fs.Int("n", 50, "print at most this many")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if _, ok := cfg.Source(*source); !ok {
		return fmt.Errorf("-source %q is not a configured source; configured: %s", *source, strings.Join(sourceNames(cfg), ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	brokers, err := brokersOf(cfg)
	if err != nil {
		return err
	}
	letters, err := bus.ReadDeadLetters(ctx, brokers, *source, *limit)
	if err != nil {
		return err
	}
	if len(letters) == 0 {
		fmt.Printf("dlq.%s is empty\n", *source)
		return nil
	}
	sort.SliceStable(letters, func(i, j int) bool { return originLess(letters[i].Origin, letters[j].Origin) })
	for _, d := range letters {
		where := d.Origin
		if where == "" && d.Topic != "" {
			where = fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset)
		}
		fmt.Printf("%s  %-34s key=%-28s field=%-16s %s  (%s)\n", d.RejectedAt.Format(time.RFC3339), maskIDs(where), maskIDs(d.RecordKey), d.Field, maskIDs(d.Reason), d.PipelineVersion)
	}
	return nil
}

// originLess orders origins as a person reads a delivery: by file, then by
// line or row number ("hukou.csv:9" before "hukou.csv:10").
func originLess(a, b string) bool {
	pa, na := splitTrailingNumber(a)
	pb, nb := splitTrailingNumber(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitTrailingNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}

// maskIDs masks anything that looks like an ID number (15-digit, 18-character,
// full-width; normalize.MaskIDsIn).
func maskIDs(s string) string { return normalize.MaskIDsIn(s) }

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// cmdWaitLoaded waits until a running hub has taken in everything that was
// dropped for it: no file left in any file source's drop folder, and the
// pipelines' consumer group has no lag on any raw topic — both holding for
// a few consecutive polls.
func cmdWaitLoaded(args []string) error {
	fs := flag.NewFlagSet("wait-loaded", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	quiet := 0
	last := ""
	for quiet < 4 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait-loaded: not loaded after %s: %s", *timeout, last)
		case <-time.After(500 * time.Millisecond):
		}
		files := pendingDropFiles(cfg)
		lag, err := pipelineLag(ctx, brokersOf(cfg), cfg)
		switch {
		case err != nil:
			last = err.Error()
			quiet = 0
		case files > 0 || lag > 0:
			last = fmt.Sprintf("%d files waiting in drop folders, pipeline lag %d messages", files, lag)
			quiet = 0
		default:
			last = "loaded"
			quiet++
		}
	}
	fmt.Println("loaded: drop folders empty, pipelines have consumed every raw message")
	return nil
}

// pendingDropFiles counts the files still waiting in file sources' drop folders.
func pendingDropFiles(cfg *config.Config) int {
	n := 0
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind != "file" {
			continue
		}
		var settings struct {
			Dir string `yaml:"dir"`
		}
		if err := s.Settings.Decode(&settings); err != nil || settings.Dir == "" {
			continue
		}
		entries, err := os.ReadDir(s.Path(settings.Dir))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
	}
	return n
}

// pipelineLag sums, over every raw topic, the messages not yet committed by
// the pipelines' consumer group.
func pipelineLag(ctx context.Context, brokers []string, cfg *config.Config) (int64, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	var topics []string
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name))
	}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return 0, fmt.Errorf("cannot read kafka metadata: %w", err)
	}
	parts := map[string][]int{}
	ends := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range meta.Topics {
		if t.Error != nil {
			continue
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
			ends.Topics[t.Name] = append(ends.Topics[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
	}
	if len(parts) == 0 {
		return 0, nil
	}
	endResp, err := client.ListOffsets(ctx, ends)
	if err != nil {
		return 0, fmt.Errorf("cannot list raw offsets: %w", err)
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: cfg.Pipelines.GroupID, Topics: parts})
	if err != nil {
		return 0, fmt.Errorf("cannot fetch pipeline offsets: %w", err)
	}
	var lag int64
	for topic, ps := range endResp.Topics {
		for _, p := range ps {
			at := p.FirstOffset
			for _, c := range committed.Topics[topic] {
				if c.Partition == p.Partition && c.CommittedOffset >= 0 {
					at = c.CommittedOffset
				}
			}
			if p.LastOffset > at {
				lag += p.LastOffset - at
			}
		}
	}
	return lag, nil
}

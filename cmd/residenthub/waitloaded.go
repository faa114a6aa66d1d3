package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/file"
	"github.com/residenthub/residenthub/schema"
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
	brokers, err := brokersOf(cfg)
	if err != nil {
		return err
	}
	if err := waitLoaded(ctx, brokers, cfg, 500*time.Millisecond); err != nil {
		return fmt.Errorf("cannot wait longer than -timeout %s: %w", *timeout, err)
	}
	if err := alarmsError(cfg.DataDir); err != nil {
		return err
	}
	if err := failedFiles(cfg); err != nil {
		return err
	}
	fmt.Println("loaded: drop folders empty, pipelines have consumed every raw message")
	return nil
}

// failedFiles says which files of file sources lie in failed/ (not loaded),
// as an error naming them, so wait-loaded exits non-zero instead of saying
// "loaded"; nil when there are none. A file stays counted until an
// operator moves it away (after fixing and re-dropping it).
func failedFiles(cfg *config.Config) error {
	var lines []string
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind != "file" {
			continue
		}
		names, err := file.Failed(s)
		if err != nil {
			return err
		}
		for _, n := range names {
			lines = append(lines, s.Name+": failed/"+n)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("not everything loaded: %d files were moved to failed/ (see the .error note beside each; move a file away once dealt with): %s",
		len(lines), strings.Join(lines, ", "))
}

// waitLoaded polls every poll until no file waits in any file source's drop
// folder and the pipelines' consumer group has no lag on any raw topic, both
// for four polls in a row. When ctx ends first it says what was still
// waiting.
func waitLoaded(ctx context.Context, brokers []string, cfg *config.Config, poll time.Duration) error {
	quiet, last := 0, "nothing polled yet"
	for quiet < 4 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("not loaded yet: %s", last)
		case <-time.After(poll):
		}
		files, ferr := pendingDropFiles(cfg)
		lag, err := pipelineLag(ctx, brokers, cfg)
		switch {
		case ferr != nil:
			last, quiet = ferr.Error(), 0
		case err != nil:
			last, quiet = err.Error(), 0
		case files > 0 || lag > 0:
			last, quiet = fmt.Sprintf("%d files waiting in drop folders, pipeline lag %d messages", files, lag), 0
		default:
			last = "loaded"
			quiet++
		}
	}
	return nil
}

// pendingDropFiles counts the files still waiting in file sources' drop
// folders, by the file kind's own rules (file.Pending): partial downloads,
// dotfiles, error notes, names outside the source's pattern and the done/
// and failed/ folders do not count. A drop folder that cannot be listed is
// an error naming the source.
func pendingDropFiles(cfg *config.Config) (int, error) {
	n := 0
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind != "file" {
			continue
		}
		files, err := file.Pending(s)
		if err != nil {
			return n, fmt.Errorf("source %s: %w", s.Name, err)
		}
		n += files
	}
	return n, nil
}

// pipelineLag sums, over every raw topic, the messages not yet committed by
// the pipelines' consumer group (bus.TotalGroupLag). No raw topic yet: 0. A
// committed offset outside the log (bus.OutOfRange) is an error: the
// pipelines have not consumed what the log holds, whatever the lag says.
func pipelineLag(ctx context.Context, brokers []string, cfg *config.Config) (int64, error) {
	resets, err := bus.OutOfRange(ctx, brokers, cfg.Pipelines.GroupID, rawTopics(cfg))
	if err != nil {
		return 0, err
	}
	if len(resets) > 0 {
		return 0, errors.New(resets[0].String())
	}
	return bus.TotalGroupLag(ctx, brokers, cfg.Pipelines.GroupID, rawTopics(cfg))
}

// rawTopics lists the raw topics of the configured sources.
func rawTopics(cfg *config.Config) []string {
	var topics []string
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name))
	}
	return topics
}

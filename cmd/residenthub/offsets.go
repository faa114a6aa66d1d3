package main

// The consumer groups of the hub (pipelines, audit sink) against their log:
// a committed offset outside the retained log (bus.OutOfRange) is reset by
// the policy there (resume at the earliest retained offset), counted, and
// raised as an alarm.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/retry"
)

// offsetCheckEvery is how often a running consumer's committed offsets are
// compared with the log.
const offsetCheckEvery = 5 * time.Second

// offsetWatch holds the metric and what was already alarmed.
type offsetWatch struct {
	resets  *prometheus.CounterVec
	alarmed map[string]bool
}

func (h *Hub) newOffsetWatch() *offsetWatch {
	w := &offsetWatch{
		resets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "residenthub_kafka_offset_resets_total",
			Help: "Committed offsets of the hub's consumer groups (pipelines, audit sink) found outside the retained log and reset to the earliest retained offset, by group and topic.",
		}, []string{"group", "topic"}),
		alarmed: map[string]bool{},
	}
	if err := h.registry.Register(w.resets); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			w.resets = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return w
}

// checkedConsumer wraps the run of a consumer group (the pipelines, the
// audit sink): before it joins, out-of-range offsets are reset; while it
// runs they are checked every offsetCheckEvery, and when one goes out of
// range (the broker lost records the group had read) the consumer is
// stopped (it commits what it holds), the offsets reset, and it starts
// again.
func (h *Hub) checkedConsumer(group string, topics []string, run func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		watch := h.newOffsetWatch()
		for {
			h.resetOutOfRange(ctx, watch, group, topics)
			runCtx, stop := context.WithCancel(ctx)
			found := make(chan struct{})
			go func() {
				t := time.NewTicker(offsetCheckEvery)
				defer t.Stop()
				for {
					select {
					case <-runCtx.Done():
						return
					case <-t.C:
					}
					resets, err := bus.OutOfRange(runCtx, h.kafka.brokers, group, topics)
					if err == nil && len(resets) > 0 {
						h.log.Error("committed offsets outside the log; restarting the consumer to reset them", "group", group, "partitions", len(resets))
						close(found)
						stop()
						return
					}
				}
			}()
			err := run(runCtx)
			stop()
			select {
			case <-found:
				if ctx.Err() == nil {
					continue
				}
			default:
			}
			return err
		}
	}
}

// resetOutOfRange finds the group's out-of-range offsets, logs, counts and
// alarms each (once), and resets them; while other members hold the group
// it retries for up to a minute (a killed member's session expiring), then
// leaves the alarm standing and lets the consumer start.
func (h *Hub) resetOutOfRange(ctx context.Context, w *offsetWatch, group string, topics []string) {
	bo := retry.New(time.Second, 10*time.Second)
	deadline := time.Now().Add(time.Minute)
	for {
		resets, err := bus.OutOfRange(ctx, h.kafka.brokers, group, topics)
		if err != nil {
			h.log.Warn("cannot compare committed offsets with the log", "group", group, "err", err)
			return
		}
		if len(resets) == 0 {
			return
		}
		for _, r := range resets {
			key := fmt.Sprintf("%s/%s/%d/%d", r.Group, r.Topic, r.Partition, r.Committed)
			if w.alarmed[key] {
				continue
			}
			w.alarmed[key] = true
			w.resets.WithLabelValues(r.Group, r.Topic).Inc()
			h.log.Error("consumer offset out of range", "group", r.Group, "topic", r.Topic, "partition", r.Partition,
				"committed", r.Committed, "log_first", r.First, "log_end", r.End, "reset_to", r.To)
			if err := raiseAlarm(h.cfg.DataDir, "offset-reset", r.String()); err != nil {
				h.log.Error("cannot raise alarm", "err", err)
			}
		}
		err = bus.ResetOffsets(ctx, h.kafka.brokers, resets)
		if err == nil {
			h.log.Warn("offsets reset to the earliest retained records", "group", group, "partitions", len(resets))
			return
		}
		if !errors.Is(err, bus.ErrGroupActive) || time.Now().After(deadline) {
			h.log.Error("cannot reset offsets", "group", group, "err", err)
			return
		}
		if !retry.Sleep(ctx, bo.Next()) {
			return
		}
	}
}

package main

import (
	"context"
	"time"

	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
)

// Segment files of the embedded broker: retention frees disk by whole
// segments, so they are kept well below the default size bound.
const (
	embeddedSegmentBytes = 32 << 20
	embeddedSegmentRoll  = time.Hour
)

// runRetention applies kafka.retention to the raw and audit topics of the
// embedded broker every kafka.retention.interval, keeping every record the
// pipelines' consumer group (raw topics) or the audit sink's (audit) has not
// committed.
func (h *Hub) runRetention(ctx context.Context) error {
	r := h.cfg.Kafka.Retention
	// dlq.* are not trimmed: a rejected record stays until an operator
	// read it (dead-letters), and they are few.
	topics := append(rawTopics(h.cfg), schema.AuditTopic)
	guards := []bus.Guard{
		{Group: h.cfg.Pipelines.GroupID, Topics: rawTopics(h.cfg)},
		{Group: audit.DefaultGroupID, Topics: []string{schema.AuditTopic}},
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		trims, err := bus.ApplyRetention(ctx, h.kafka.brokers, topics, bus.Retention{Time: r.Time, Bytes: r.Bytes}, guards, time.Now())
		if err != nil {
			h.log.Warn("embedded kafka: cannot apply retention", "err", err)
			continue
		}
		for _, tr := range trims {
			h.log.Info("embedded kafka: retention deleted records", "topic", tr.Topic, "partition", tr.Partition, "from", tr.From, "to", tr.To)
		}
	}
}

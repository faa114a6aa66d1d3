package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/pipelines"
	"github.com/residenthub/residenthub/store"
)

// ready is GET /readyz: no open alarm (alarms.go), Kafka answers, ClickHouse
// answers, no migration pending.
func (h *Hub) ready(ctx context.Context) error {
	if err := alarmsError(h.cfg.DataDir); err != nil {
		return err
	}
	if err := bus.Ping(ctx, h.kafka.brokers); err != nil {
		return err
	}
	if h.clickhouse.conn == nil {
		return nil
	}
	if err := h.clickhouse.conn.Ping(ctx); err != nil {
		return fmt.Errorf("cannot reach clickhouse: %w", err)
	}
	pending, err := store.Pending(ctx, h.clickhouse.conn, h.cfg.ClickHouse)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("clickhouse migrations not applied yet: %s (the hub applies them as soon as ClickHouse answers)", strings.Join(pending, ", "))
	}
	return nil
}

// SourceReport is one source's line in GET /v1/sources: the connector's
// status and the pipeline's counters for it.
type SourceReport struct {
	runtime.SourceStatus
	Pipeline *pipelines.DatasetStatus `json:"pipeline,omitempty"`
}

func (h *Hub) sourceStatus(ctx context.Context) any {
	var pipe map[string]pipelines.DatasetStatus
	if h.pipelines.runner != nil {
		pipe = map[string]pipelines.DatasetStatus{}
		for _, st := range h.pipelines.runner.Status() {
			pipe[st.Source] = st
		}
	}
	var out []SourceReport
	if h.connectors.scheduler != nil {
		for _, st := range h.connectors.scheduler.Status() {
			r := SourceReport{SourceStatus: st}
			if p, ok := pipe[st.Source]; ok {
				r.Pipeline = &p
			}
			out = append(out, r)
		}
		return out
	}
	for _, s := range h.cfg.Sources {
		r := SourceReport{SourceStatus: runtime.SourceStatus{Source: s.Name, Kind: s.Kind, Dataset: s.Dataset}}
		if p, ok := pipe[s.Name]; ok {
			r.Pipeline = &p
		}
		out = append(out, r)
	}
	return out
}

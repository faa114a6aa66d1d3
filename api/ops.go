package api

import (
	"context"
	"net/http"
	"time"
)

// healthz answers while the process serves HTTP.
func (s *Server) healthz(*http.Request) (any, *apiError) {
	return map[string]string{"status": "ok"}, nil
}

// readyz answers 200 when Deps.Ready reports Kafka and ClickHouse reachable
// and migrations applied, 503 with the reason otherwise.
func (s *Server) readyz(r *http.Request) (any, *apiError) {
	if s.deps.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := s.deps.Ready(ctx); err != nil {
			return nil, errUnavailable("not_ready", err, err.Error())
		}
	}
	return map[string]string{"status": "ready"}, nil
}

// listSources serves Deps.SourceStatus.
func (s *Server) listSources(r *http.Request) (any, *apiError) {
	if s.deps.SourceStatus == nil {
		return map[string]any{"sources": []any{}}, nil
	}
	return s.deps.SourceStatus(r.Context()), nil
}

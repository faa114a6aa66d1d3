package main

import (
	"cmp"
	"errors"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connlimit"
)

// serveHTTP serves handler on ln with the http section's timeouts (zero
// values take config.Default's) and its limit on connections without a
// valid API key (connlimit; evictions counted in
// residenthub_http_unauthenticated_evicted_total), and returns the server
// for Shutdown.
func (h *Hub) serveHTTP(ln net.Listener, handler http.Handler) *http.Server {
	c, d := h.cfg.HTTP, config.Default().HTTP
	limited := connlimit.New(ln, cmp.Or(c.MaxUnauthenticatedConns, d.MaxUnauthenticatedConns))
	evicted := prometheus.NewCounter(prometheus.CounterOpts{Name: "residenthub_http_unauthenticated_evicted_total",
		Help: "Connections without an API key closed to make room (http.max_unauthenticated_connections)."})
	h.registry.MustRegister(evicted)
	limited.OnEvict = evicted.Inc
	srv := &http.Server{Handler: handler,
		ReadHeaderTimeout: cmp.Or(c.ReadHeaderTimeout, d.ReadHeaderTimeout),
		ReadTimeout:       cmp.Or(c.ReadTimeout, d.ReadTimeout),
		WriteTimeout:      cmp.Or(c.WriteTimeout, d.WriteTimeout),
		IdleTimeout:       cmp.Or(c.IdleTimeout, d.IdleTimeout)}
	go func() {
		if err := limited.Serve(srv); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("http server stopped", "err", err)
		}
	}()
	return srv
}

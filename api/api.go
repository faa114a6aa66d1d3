// Package api is the hub's HTTP API (chi): eligibility checks, resident
// profiles, residence certificates, programs, source status and the
// operational endpoints. Every route is listed in routes.go with the roles
// allowed to call it; handlers return (result, *apiError) and one wrapper
// writes JSON and statuses. Every read of a person's data writes an audit
// event through Kafka (api/audit) before it is answered; when that fails the
// read fails with 503.
//
// The API document is openapi.json (embedded, served at /v1/openapi.json).
// The router also serves the service-hall page (package web) at GET / and
// GET /web/*, without a key; the page calls the API with the clerk's key.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/places"
	"github.com/residenthub/residenthub/profile"
)

// Profiles reads resident profiles as of an instant; *profile.Reader
// satisfies it. Both return profile.ErrNotFound (possibly wrapped) when the
// person has no current person record.
type Profiles interface {
	Resident(ctx context.Context, idNumber string, asOf time.Time) (*profile.Resident, error)
	Household(ctx context.Context, idNumber string, asOf time.Time) (*profile.Household, error)
}

// AuditWriter stores one audit event durably (for *audit.Writer: produced to
// Kafka with acks=all) and returns only once it is stored.
type AuditWriter interface {
	Write(ctx context.Context, e audit.Event) error
}

// Deps is everything the API needs; cmd/residenthub wires it.
type Deps struct {
	Keys     *access.Keys // API keys → callers (required)
	Profiles Profiles     // resident profiles (required)
	Programs Programs     // eligibility programs (required)
	Audit    AuditWriter  // audit events (required); e.g. audit.NewWriter(brokers)
	// Ready reports whether Kafka and ClickHouse answer and migrations are
	// applied (GET /readyz); nil means always ready.
	Ready func(ctx context.Context) error
	// SourceStatus returns the status of the department sources, served as
	// JSON at GET /v1/sources; nil serves an empty list.
	SourceStatus func(ctx context.Context) any
	// Push, when set, is mounted at POST /v1/sources/{source}/records behind
	// authentication (roles department and admin); it checks
	// access.FromContext(ctx).MayPushTo(source) itself.
	Push http.Handler
	// Metrics is served at GET /metrics (promhttp); nil serves nothing there.
	Metrics prometheus.Gatherer
	// Registerer, when set, receives the API's own metrics (requests by
	// route and status, audit failures); often the same registry as Metrics.
	Registerer prometheus.Registerer
	Logger     *slog.Logger     // nil: slog.Default()
	Now        func() time.Time // nil: time.Now
	// AuditTimeout bounds the wait for an audit acknowledgement (default 5 s);
	// past it the read fails with 503.
	AuditTimeout time.Duration
	// Admission bounds the person reads served at once and queued; the
	// zero value is DefaultAdmission.
	Admission Admission
	// NameMismatches throttles name guessing (nameThrottle): after PerKey
	// wrong names by one key or PerPerson for one ID number within Window,
	// name-checked reads answer 429. Zero values: 20, 5 and 15 min.
	NameMismatches config.NameMismatches

	// How answers name things for people (all optional):
	// SourceNames maps a source to its department's display name (config
	// sources[].display_name), shown as evidence source_name and on
	// certificates.
	SourceNames map[string]string
	// Places names division codes (nil: places.Default(), the public tables
	// without community names).
	Places *places.Names
	// Hotline answers the 12345 hotline ranking and its public summary
	// (GET /v1/hotline/...); nil answers 503 hotline_unavailable.
	Hotline Hotline
	// HotlineSuppressBelow withholds public-summary counts under it
	// (config hotline.suppress_below; values under 5 count as 5).
	HotlineSuppressBelow int
	// Certificate is the district's certificate settings (zero: the
	// defaults of config.Default: issuer 社区便民服务大厅, ID number in full).
	Certificate config.Certificate
}

// Server is the API's http.Handler.
type Server struct {
	deps    Deps
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	admit   *admission
	names   *nameThrottle
	handler http.Handler
}

// New checks deps and builds the router.
func New(deps Deps) (*Server, error) {
	switch {
	case deps.Keys == nil:
		return nil, errors.New("cannot create the API: Deps.Keys is required")
	case deps.Profiles == nil:
		return nil, errors.New("cannot create the API: Deps.Profiles is required")
	case deps.Programs == nil:
		return nil, errors.New("cannot create the API: Deps.Programs is required")
	case deps.Audit == nil:
		return nil, errors.New("cannot create the API: Deps.Audit is required")
	}
	s := &Server{deps: deps, log: deps.Logger, now: deps.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "api")
	if s.now == nil {
		s.now = time.Now
	}
	if s.deps.AuditTimeout <= 0 {
		s.deps.AuditTimeout = 5 * time.Second
	}
	if s.deps.Places == nil {
		s.deps.Places = places.Default()
	}
	if s.deps.Certificate.Issuer == "" {
		s.deps.Certificate.Issuer = config.DefaultIssuer
	}
	s.metrics = newMetrics(deps.Registerer)
	s.admit = newAdmission(deps.Admission, s.metrics)
	s.names = newNameThrottle(deps.NameMismatches, s.now)
	s.handler = s.router()
	return s, nil
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Interface guards: the real components satisfy the consumer interfaces.
var (
	_ Profiles    = (*profile.Reader)(nil)
	_ AuditWriter = (*audit.Writer)(nil)
)

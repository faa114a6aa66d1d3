package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/web"
)

// route is one endpoint: who may call it and what answers it.
type route struct {
	Method  string
	Pattern string // chi pattern, also the OpenAPI path
	// Roles that may call the route; admin may call every authenticated
	// route. Nil means no authentication (operational endpoints).
	Roles []string
	// Person marks reads of a person's data: they require the X-Purpose
	// header and write an audit event before answering.
	Person bool
	// Page marks the service-hall page (package web): served without a key
	// and not part of the API document.
	Page   bool
	Handle handlerFunc  // result-returning handler, or
	Raw    http.Handler // a plain handler (metrics, OpenAPI file, push)
}

var (
	public      []string // nil: no authentication
	readers     = []string{access.RoleCounter, access.RoleCaseworker}
	caseworkers = []string{access.RoleCaseworker}
	departments = []string{access.RoleDepartment}
	governance  = []string{access.RoleCaseworker, access.RoleGovernance}
)

// routes lists every endpoint of the API (also documented in openapi.json;
// TestOpenAPICoversRoutes checks the two agree) and the service-hall page.
func (s *Server) routes() []route {
	page := web.Handler()
	rs := []route{
		{Method: "GET", Pattern: "/", Roles: public, Page: true, Raw: page},
		{Method: "GET", Pattern: "/web/*", Roles: public, Page: true, Raw: page},
		{Method: "GET", Pattern: "/healthz", Roles: public, Handle: s.healthz},
		{Method: "GET", Pattern: "/readyz", Roles: public, Handle: s.readyz},
		{Method: "GET", Pattern: "/metrics", Roles: public, Raw: s.metricsHandler()},
		{Method: "GET", Pattern: "/v1/openapi.json", Roles: public, Raw: http.HandlerFunc(serveOpenAPI)},

		{Method: "GET", Pattern: "/v1/programs", Roles: readers, Handle: s.listPrograms},
		{Method: "POST", Pattern: "/v1/checks", Roles: readers, Person: true, Handle: s.postCheck},
		{Method: "GET", Pattern: "/v1/residents/{id_number}", Roles: readers, Person: true, Handle: s.getResident},
		{Method: "GET", Pattern: "/v1/residents/{id_number}/certificates/residence", Roles: readers, Person: true, Handle: s.getResidenceCertificate},

		{Method: "GET", Pattern: "/v1/sources", Roles: caseworkers, Handle: s.listSources},

		{Method: "GET", Pattern: "/v1/hotline/top-problems", Roles: governance, Handle: s.getTopProblems},
		{Method: "GET", Pattern: "/v1/hotline/summary", Roles: governance, Handle: s.getHotlineSummary},
	}
	if s.deps.Push != nil {
		rs = append(rs, route{Method: "POST", Pattern: "/v1/sources/{source}/records", Roles: departments, Raw: s.deps.Push})
	}
	return rs
}

func (s *Server) metricsHandler() http.Handler {
	if s.deps.Metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, errNotFound("no_metrics"))
		})
	}
	return promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{})
}

package api

import (
	"fmt"
	"github.com/residenthub/residenthub/connlimit"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/httperr"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/normalize"
)

// handlerFunc answers a request with a result (written as JSON with status
// 200, or as is when it is a *rawResponse) or an error: the shape of every
// handler of the hub (httperr.HandlerFunc), the push endpoint's too.
type handlerFunc = httperr.HandlerFunc

// rawResponse is a result written byte for byte (HTML certificate).
type rawResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// PurposeHeader carries the caller's purpose for reading a person's data; it
// is required on every person read and stored in the audit log.
const PurposeHeader = "X-Purpose"

// maxPurposeRunes bounds the purpose stored in the audit log.
const maxPurposeRunes = 200

func (s *Server) router() http.Handler {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errNotFound("not_found", r.Method, masker{on: true}.text(r.URL.Path)))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errWith(http.StatusMethodNotAllowed, "method_not_allowed", r.Method, masker{on: true}.text(r.URL.Path)))
	})
	for _, rt := range s.routes() {
		r.Method(rt.Method, rt.Pattern, s.wrap(rt))
	}
	return r
}

// wrap is the one place that authenticates, checks roles and the purpose
// header, runs the handler, writes its result or error, logs and counts.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("handler panicked", "route", rt.Pattern, "panic", fmt.Sprint(p))
				if !rec.wrote {
					writeError(rec, r, errInternal("internal", nil))
				}
			}
			s.metrics.requests.WithLabelValues(rt.Pattern, rt.Method, strconv.Itoa(rec.status)).Inc()
			s.metrics.duration.WithLabelValues(rt.Pattern, rt.Method).Observe(time.Since(start).Seconds())
		}()

		if rt.Roles != nil {
			caller, ok := s.deps.Keys.Lookup(access.KeyFromRequest(r))
			if !ok {
				s.fail(rec, r, errUnauthenticated)
				return
			}
			if !caller.HasRole(rt.Roles...) {
				s.fail(rec, r, errWith(http.StatusForbidden, "forbidden", caller.Role, rt.Method, rt.Pattern,
					messages.Strings(slices.Concat(rt.Roles, []string{access.RoleAdmin}))))
				return
			}
			connlimit.MarkAuthenticated(r.Context())
			r = r.WithContext(access.WithCaller(r.Context(), caller))
		}
		if rt.Person {
			if _, aerr := purpose(r); aerr != nil {
				s.fail(rec, r, aerr)
				return
			}
			release, aerr := s.admit.enter(r.Context())
			if aerr != nil {
				s.fail(rec, r, aerr)
				return
			}
			defer release()
		}
		if rt.Raw != nil {
			rt.Raw.ServeHTTP(rec, r)
			return
		}
		res, aerr := rt.Handle(r)
		if aerr != nil {
			s.fail(rec, r, aerr)
			return
		}
		if raw, ok := res.(*rawResponse); ok {
			rec.Header().Set("Content-Type", raw.ContentType)
			rec.Header().Set("X-Content-Type-Options", "nosniff")
			if strings.HasPrefix(raw.ContentType, "text/html") {
				rec.Header().Set("Content-Security-Policy", documentPolicy)
			}
			rec.WriteHeader(raw.Status)
			_, _ = rec.Write(raw.Body)
			return
		}
		writeJSON(rec, http.StatusOK, res)
	})
}

// fail logs (5xx with the internal cause) and writes the error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.Code == "not_ready" {
		// Probes poll /readyz; the hub logs the cause where it happens.
		s.log.Debug("not ready", "detail", e.Error())
	} else if e.Status >= 500 && r.Context().Err() != nil {
		// The client went away: nothing failed on our side.
		s.log.Info("request abandoned by the client", "method", r.Method, "path", routePattern(r), "code", e.Code)
	} else if e.Status >= 500 {
		cause := ""
		if e.Err != nil {
			// Store errors may quote SQL holding ID numbers: mask them.
			cause = normalize.MaskIDsIn(e.Err.Error())
		}
		s.log.Error("request failed", "method", r.Method, "path", routePattern(r), "status", e.Status, "code", e.Code, "err", cause)
	} else {
		s.log.Debug("request refused", "method", r.Method, "path", routePattern(r), "status", e.Status, "code", e.Code)
	}
	writeError(w, r, e)
}

// purpose returns the X-Purpose header (UTF-8 text, or percent-encoded
// UTF-8), trimmed; it is required and at most 200 characters.
func purpose(r *http.Request) (string, *apiError) {
	p := strings.TrimSpace(r.Header.Get(PurposeHeader))
	if strings.Contains(p, "%") {
		// Browsers cannot send non-Latin-1 headers: accept percent-encoded UTF-8.
		if u, err := url.PathUnescape(p); err == nil && utf8.ValidString(u) {
			p = strings.TrimSpace(u)
		}
	}
	switch {
	case p == "":
		return "", errBadRequest("missing_purpose")
	case !utf8.ValidString(p) || utf8.RuneCountInString(p) > maxPurposeRunes || strings.IndexFunc(p, unicode.IsControl) >= 0:
		return "", errBadRequest("invalid_purpose", maxPurposeRunes)
	}
	return p, nil
}

// routePattern is the chi route pattern of the request ("/v1/residents/{id_number}"),
// never the path, so that logs and audit records carry no ID number in a URL.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unknown"
}

// statusRecorder remembers the status written, for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.wrote = true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/normalize"
)

// Audit decisions for reads that are not eligibility decisions.
const (
	auditShown        = "shown"         // profile or certificate served
	auditNotFound     = "not_found"     // no current person record
	auditNameMismatch = "name_mismatch" // the name did not match the ID number
	// too many wrong names by the key or for the person (nameThrottle); nothing read was shown
	auditNameThrottled = "name_throttled"
)

// audit writes the audit event of a read of subject's data and waits for its
// acknowledgement (at most Deps.AuditTimeout). members are the ID numbers of
// the other persons whose data the answer holds (household members; nil when
// it holds the subject's alone); the subject, empty values and repeats are
// dropped. It returns the event ID, or a 503 that the caller must answer
// instead of the data.
func (s *Server) audit(r *http.Request, subject, program, decision string, status int, members []string) (string, *apiError) {
	c := caller(r)
	p, _ := purpose(r)
	e := audit.Event{
		EventID:          audit.NewEventID(),
		Time:             s.now().UTC(),
		Purpose:          p,
		SubjectIDNumber:  subject,
		HouseholdMembers: auditMembers(subject, members),
		Endpoint:         r.Method + " " + routePattern(r),
		Program:          program,
		Decision:         decision,
		Status:           uint16(status),
	}
	if c != nil {
		e.Caller, e.Role = c.Name, c.Role
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.deps.AuditTimeout)
	defer cancel()
	if err := s.deps.Audit.Write(ctx, e); err != nil {
		s.metrics.auditFailures.Inc()
		s.log.Error("cannot write audit event; refusing the read", "subject", normalize.MaskID(subject),
			"endpoint", e.Endpoint, "caller", e.Caller, "err", err)
		return "", errUnavailable("audit_unavailable", err)
	}
	return e.EventID, nil
}

// auditMembers returns members sorted, without subject, "" and repeats; nil
// when none is left.
func auditMembers(subject string, members []string) []string {
	var out []string
	for _, m := range members {
		if m != "" && m != subject {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/httperr"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/profile"
)

// The holder's name as proof of presence. A counter serves the person
// standing at it, and an ID number alone is no proof of that (anyone may know
// one), so the counter role reads a person's data — check, profile,
// certificate — only with the name on the ID card, checked against the ID
// number. Other roles may leave it out; a name they give is checked too.
// Checks take it from every role. presentedName reads it before the person
// is read (400s), verifyName compares it after (audited 422).

// presentedName reads the name a request gives in where (`"name"` in a
// check's body, `?name=` in a URL): it is required (400 missing_name) when
// always is true or the caller has role counter (or is unknown), optional
// otherwise, and must be a valid name (400 invalid_name). It returns the
// normalized name (normalize.Name), "" when none was given.
func presentedName(r *http.Request, raw, where string, always bool) (string, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		c := caller(r)
		if always {
			return "", errBadRequest("missing_name", where)
		}
		if c == nil || c.Role == access.RoleCounter {
			return "", errBadRequest("missing_name.counter", where)
		}
		return "", nil
	}
	name, err := normalize.Name(raw)
	if err != nil {
		return "", errBadRequest("invalid_name", reason(err))
	}
	return name, nil
}

// verifyName compares a name from presentedName with the person read: no
// name given, or the same name, is nil; a different one is audited
// (decision name_mismatch, nothing shown) and answered 422 name_mismatch.
// When departments disagree on the person's name (an identity conflict), the
// name of any of them is accepted: the person present is one of them, and
// the decision itself is needs_review until a caseworker resolves it.
//
// A key that gave too many wrong names, or a person for whom too many were
// given (nameThrottle), gets 429 name_attempts_exceeded with Retry-After,
// audited (decision name_throttled), whatever the name.
func (s *Server) verifyName(r *http.Request, id, program, name string, res *profile.Resident) *apiError {
	if name == "" {
		return nil
	}
	key := ""
	if c := caller(r); c != nil {
		key = c.Name
	}
	if blocked, wait := s.names.blocked(key, id); blocked {
		if _, aerr := s.audit(r, id, program, auditNameThrottled, http.StatusTooManyRequests, nil); aerr != nil {
			return aerr
		}
		return httperr.TooMany(wait, "name_attempts_exceeded", int((wait+time.Minute-1)/time.Minute))
	}
	if res != nil && res.Person != nil && sameName(res.Person.Str("name"), name) {
		return nil
	}
	if res != nil {
		for _, c := range res.IdentityConflicts {
			if c.Field != facts.ConflictName {
				continue
			}
			for _, v := range c.Values {
				if sameName(v, name) {
					return nil
				}
			}
		}
	}
	s.names.mismatch(key, id)
	if _, aerr := s.audit(r, id, program, auditNameMismatch, http.StatusUnprocessableEntity, nil); aerr != nil {
		return aerr
	}
	return errUnprocessable("name_mismatch")
}

// sameName compares a stored name with a normalized one after normalizing
// the stored one too (stored names are normalized by the pipelines; this
// guards against older rows).
func sameName(stored, normalized string) bool {
	s, err := normalize.Name(stored)
	if err != nil {
		return false
	}
	return s == normalized
}

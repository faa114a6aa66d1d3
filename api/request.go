package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// cst is China Standard Time (Asia/Shanghai has had no daylight saving since
// 1991), the zone dates are given and shown in.
var cst = schema.ChinaTime

// idNumber normalizes an ID number from a request; a bad one is a 400 that
// says why (the value masked).
func (s *Server) idNumber(raw string) (string, *apiError) {
	id, _, err := normalize.IDNumberAt(raw, s.now())
	if err != nil {
		var ne *normalize.Error
		if errors.As(err, &ne) {
			return "", errBadRequest("invalid_id_number", ne.Value, messages.Reason(ne.Reason))
		}
		return "", errBadRequest("invalid_id_number.generic")
	}
	return id, nil
}

// asOf reads an optional "as of" date ("2006-01-02", China Standard Time).
// Empty means now. A past date means the end of that day (everything the
// departments had recorded by then); today means now; a future date is a 400.
func (s *Server) asOf(raw string) (time.Time, *apiError) {
	now := s.now()
	if raw == "" {
		return now, nil
	}
	d, err := time.ParseInLocation("2006-01-02", raw, cst)
	if err != nil {
		return time.Time{}, errBadRequest("invalid_as_of", raw)
	}
	today := now.In(cst).Format("2006-01-02")
	switch day := d.Format("2006-01-02"); {
	case day > today:
		return time.Time{}, errBadRequest("invalid_as_of.future", raw, today)
	case day == today:
		return now, nil
	}
	return d.AddDate(0, 0, 1).Add(-time.Second).UTC(), nil
}

// caller returns the authenticated caller (set by wrap).
func caller(r *http.Request) *access.Caller {
	c, _ := access.FromContext(r.Context())
	return c
}

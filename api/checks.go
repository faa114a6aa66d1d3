package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/profile"
)

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 64 << 10

// checkRequest is the body of POST /v1/checks.
type checkRequest struct {
	Program  string `json:"program"`
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	AsOf     string `json:"as_of"` // optional "YYYY-MM-DD" (China Standard Time); default today
}

// postCheck serves POST /v1/checks: verify that the name matches the ID
// number, read the household as of the date and evaluate the program.
func (s *Server) postCheck(r *http.Request) (any, *apiError) {
	var req checkRequest
	if aerr := decodeJSON(r, &req); aerr != nil {
		return nil, aerr
	}
	switch {
	case strings.TrimSpace(req.Program) == "":
		return nil, errBadRequest("missing_program")
	case strings.TrimSpace(req.IDNumber) == "":
		return nil, errBadRequest("missing_id_number")
	}
	name, aerr := presentedName(r, req.Name, `"name"`, true)
	if aerr != nil {
		return nil, aerr
	}
	id, aerr := s.idNumber(req.IDNumber)
	if aerr != nil {
		return nil, aerr
	}
	prog, ok := s.deps.Programs.Program(strings.TrimSpace(req.Program))
	if !ok {
		known := s.knownPrograms()
		e := errNotFound("unknown_program", req.Program, messages.Strings(known))
		e.Extra = map[string]any{"known_programs": known}
		return nil, e
	}
	asOf, aerr := s.asOf(req.AsOf)
	if aerr != nil {
		return nil, aerr
	}

	applicant, in, aerr := s.readInput(r, id, prog, asOf)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.verifyName(r, id, prog.ID, name, applicant); aerr != nil {
		return nil, aerr
	}
	d := eligibility.Evaluate(prog, in, asOf)
	if _, aerr := s.audit(r, id, prog.ID, d.Decision, http.StatusOK, otherMembers(in)); aerr != nil {
		return nil, aerr
	}
	return s.presentDecision(maskDecision(d, maskerFor(caller(r)))), nil
}

// readInput reads what program p needs as of asOf: the household when the
// program's scope is "household" or it depends on other programs, else the
// applicant alone (one lookup less). It returns the applicant too; the
// other members of the input are the persons whose data a decision on it
// may show (otherMembers, for the audit).
func (s *Server) readInput(r *http.Request, id string, p *eligibility.Program, asOf time.Time) (*profile.Resident, eligibility.Input, *apiError) {
	if p.Scope == "household" || len(p.DependsOn) > 0 {
		h, aerr := s.readHousehold(r, id, p.ID, asOf)
		if aerr != nil {
			return nil, eligibility.Input{}, aerr
		}
		return h.Applicant, eligibility.NewInput(h.Facts()), nil
	}
	res, aerr := s.readResident(r, id, p.ID, asOf)
	if aerr != nil {
		return nil, eligibility.Input{}, aerr
	}
	return res, eligibility.NewInput(res.Facts()), nil
}

// otherMembers returns the ID numbers of the input's members other than the
// applicant: everyone whose data a decision on in was built from and may
// show (their incomes, pensions, assets, disability), for the audit event.
func otherMembers(in eligibility.Input) []string {
	var out []string
	for _, m := range in.Members {
		if m.IDNumber != in.Applicant {
			out = append(out, m.IDNumber)
		}
	}
	return out
}

// maskDecision masks, for role counter, the personal data a decision may
// carry: outcome values named like sensitive fields (certificate name,
// address, id_number) and ID numbers inside rule values and record keys.
// d must be the caller's own (fresh from eligibility.Evaluate): its rules
// and evidence are masked in place, sparing a copy of every evidence list.
func maskDecision(d eligibility.Decision, m masker) eligibility.Decision {
	if !m.on {
		return d
	}
	d.Amounts = m.values(d.Amounts)
	keys := map[string]string{} // record key → masked: the rules' evidence repeats the decision's
	for i := range d.Rules {
		rr := &d.Rules[i]
		rr.Values = m.values(rr.Values)
		maskEvidence(rr.Evidence, m, keys)
	}
	maskEvidence(d.Evidence, m, keys)
	return d
}

// maskEvidence masks, in place, the ID numbers in the record keys of ev,
// remembering each key's masked form in keys.
func maskEvidence(ev []eligibility.Evidence, m masker, keys map[string]string) {
	for i := range ev {
		e := &ev[i]
		masked, ok := keys[e.RecordKey]
		if !ok {
			masked = m.text(e.RecordKey)
			keys[e.RecordKey] = masked
		}
		e.RecordKey = masked
	}
}

// decodeJSON decodes one JSON object from the body into v; unknown fields,
// trailing data and bodies over 64 KiB are 400s naming the problem.
func decodeJSON(r *http.Request, v any) *apiError {
	if r.Body == nil {
		return errBadRequest("malformed_body.empty")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err == nil {
		return nil
	}
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		big *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errBadRequest("malformed_body.empty")
	case errors.As(err, &syn):
		return errBadRequest("malformed_body.syntax", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return errBadRequest("malformed_body.not_object", typ.Value)
	case errors.As(err, &typ):
		return errBadRequest("malformed_body.field_type", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &big):
		return errWith(http.StatusRequestEntityTooLarge, "body_too_large", maxBodyBytes)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errBadRequest("malformed_body.unknown_field", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errBadRequest("malformed_body", err.Error())
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(goKind string) messages.Text {
	switch goKind {
	case "string":
		return messages.Text{Zh: "字符串", En: "string"}
	case "struct", "map":
		return messages.Text{Zh: " JSON 对象", En: "JSON object"}
	case "slice", "array":
		return messages.Text{Zh: " JSON 数组", En: "JSON array"}
	case "bool":
		return messages.Text{Zh: " true 或 false", En: "true or false"}
	}
	return messages.Text{Zh: "数字", En: "number"}
}

// reason returns the reason of a normalize error in both languages, or its text.
func reason(err error) messages.Text {
	var ne *normalize.Error
	if errors.As(err, &ne) {
		return messages.Reason(ne.Reason)
	}
	return messages.Text{Zh: err.Error(), En: err.Error()}
}

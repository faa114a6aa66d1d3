package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/residenthub/residenthub/eligibility"
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
		return nil, errBadRequest("missing_program", "say which program to check in \"program\" (see GET /v1/programs)")
	case strings.TrimSpace(req.IDNumber) == "":
		return nil, errBadRequest("missing_id_number", "give the resident's ID number in \"id_number\"")
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
		return nil, &apiError{Status: http.StatusNotFound, Code: "unknown_program",
			Detail: fmt.Sprintf("there is no program %q; known programs: %s", req.Program, strings.Join(known, ", ")),
			Extra:  map[string]any{"known_programs": known}}
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
	return maskDecision(d, maskerFor(caller(r))), nil
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
func maskDecision(d eligibility.Decision, m masker) eligibility.Decision {
	if !m.on {
		return d
	}
	d.Amounts = m.values(d.Amounts)
	rules := make([]eligibility.RuleResult, len(d.Rules))
	for i, rr := range d.Rules {
		rr.Values = m.values(rr.Values)
		rr.Evidence = maskEvidence(rr.Evidence, m)
		rules[i] = rr
	}
	d.Rules = rules
	d.Evidence = maskEvidence(d.Evidence, m)
	return d
}

func maskEvidence(in []eligibility.Evidence, m masker) []eligibility.Evidence {
	if in == nil {
		return nil
	}
	out := make([]eligibility.Evidence, len(in))
	for i, e := range in {
		e.RecordKey = m.text(e.RecordKey)
		out[i] = e
	}
	return out
}

// decodeJSON decodes one JSON object from the body into v; unknown fields,
// trailing data and bodies over 64 KiB are 400s naming the problem.
func decodeJSON(r *http.Request, v any) *apiError {
	if r.Body == nil {
		return errBadRequest("malformed_body", "the request body is empty; send a JSON object")
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
	detail := "the request body is not a valid JSON object: " + err.Error()
	switch {
	case errors.Is(err, io.EOF):
		detail = "the request body is empty; send a JSON object"
	case errors.As(err, &syn):
		detail = fmt.Sprintf("the request body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		detail = "the request body must be a JSON object like {\"program\": \"dibao\", \"id_number\": \"...\", \"name\": \"...\"}, not a JSON " + typ.Value
	case errors.As(err, &typ):
		detail = fmt.Sprintf("field %q must be a %s, not a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &big):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Detail: fmt.Sprintf("the request body is larger than %d bytes; a check is a small JSON object", maxBodyBytes)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		detail = "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + " in the request body"
	}
	return errBadRequest("malformed_body", detail)
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "JSON object"
	case "slice", "array":
		return "JSON array"
	case "bool":
		return "true or false"
	}
	return "number"
}

// reason returns the reason of a normalize error, or its text.
func reason(err error) string {
	var ne *normalize.Error
	if errors.As(err, &ne) {
		return ne.Reason
	}
	return err.Error()
}

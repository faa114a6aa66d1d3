package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/profile"
)

// residentView is the JSON answer of GET /v1/residents/{id_number}: the
// person's current records, a summary of the household members and how
// current each dataset is. Sensitive fields are masked for role counter
// (Masked). The records' fields come from schema (facts.Record), so the
// shape is, in this order: id_number, as_of, masked, person, household, one
// list per other profile dataset under its key (residences,
// social_insurance, employment, health, assets), freshness, place_names,
// identity_conflicts.
type residentView struct {
	IDNumber  string
	AsOf      time.Time
	Masked    bool
	Person    *facts.Record
	Household householdView
	// Records by profile dataset name (all but person), never nil.
	Records   map[string][]facts.Record
	Freshness map[string]profile.Freshness
	// PlaceNames: division code → name, for the division fields of the
	// records shown (hukou_division, community_code).
	PlaceNames map[string]string
	// IdentityConflicts: departments disagree on the person's name or birth
	// date (decisions are needs_review until resolved). Values by source are
	// shown to caseworkers only.
	IdentityConflicts []identityConflictView
}

// MarshalJSON writes the view in its documented order.
func (v *residentView) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	put := func(key string, val any) error {
		b, err := json.Marshal(val)
		if err != nil {
			return fmt.Errorf("cannot encode %s: %w", key, err)
		}
		if buf.Len() == 0 {
			buf.WriteByte('{')
		} else {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + key + `":`)
		buf.Write(b)
		return nil
	}
	head := []struct {
		key string
		val any
	}{{"id_number", v.IDNumber}, {"as_of", v.AsOf}, {"masked", v.Masked}, {"person", v.Person}, {"household", v.Household}}
	for _, kv := range head {
		if err := put(kv.key, kv.val); err != nil {
			return nil, err
		}
	}
	for _, def := range facts.Defs()[1:] {
		recs := v.Records[def.Name]
		if recs == nil {
			recs = []facts.Record{}
		}
		if err := put(def.Key, recs); err != nil {
			return nil, err
		}
	}
	if err := put("freshness", v.Freshness); err != nil {
		return nil, err
	}
	if err := put("place_names", v.PlaceNames); err != nil {
		return nil, err
	}
	if err := put("identity_conflicts", v.IdentityConflicts); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

type identityConflictView struct {
	Field   string            `json:"field"`
	Sources []string          `json:"sources"`
	Values  map[string]string `json:"values,omitempty"` // source → value; not for the counter role
}

type householdView struct {
	HouseholdID string       `json:"household_id"`
	Members     []memberView `json:"members"`
}

// memberView is what the profile shows of another household member: who
// they are to the household, not their own facts (read their profile for those).
type memberView struct {
	IDNumber       string     `json:"id_number"`
	Name           string     `json:"name"`
	Sex            string     `json:"sex"`
	BirthDate      facts.Date `json:"birth_date"` // null for the counter role
	RelationToHead string     `json:"relation_to_head"`
	Relation       string     `json:"relation"` // GB/T 4761 name of relation_to_head: 配偶
	Status         string     `json:"status"`
	IsSubject      bool       `json:"is_subject"`
}

// readHousehold reads the subject's household as of asOf, auditing a miss.
// A store failure is a 503.
func (s *Server) readHousehold(r *http.Request, id, program string, asOf time.Time) (*profile.Household, *apiError) {
	h, err := s.deps.Profiles.Household(r.Context(), id, asOf)
	if err == nil && (h == nil || h.Applicant == nil || h.Applicant.Person == nil) {
		err = profile.ErrNotFound
	}
	if err != nil {
		return nil, s.readFailed(r, id, program, err)
	}
	return h, nil
}

// readResident reads the subject alone as of asOf, auditing a miss.
func (s *Server) readResident(r *http.Request, id, program string, asOf time.Time) (*profile.Resident, *apiError) {
	res, err := s.deps.Profiles.Resident(r.Context(), id, asOf)
	if err == nil && (res == nil || res.Person == nil) {
		err = profile.ErrNotFound
	}
	if err != nil {
		return nil, s.readFailed(r, id, program, err)
	}
	return res, nil
}

// readFailed turns a profile read error into the answer: not found is
// audited (someone asked about this number) and a 404; anything else is 503.
func (s *Server) readFailed(r *http.Request, id, program string, err error) *apiError {
	if errors.Is(err, profile.ErrNotFound) {
		if _, aerr := s.audit(r, id, program, auditNotFound, http.StatusNotFound, nil); aerr != nil {
			return aerr
		}
		return errNotFound("person_not_found")
	}
	return errUnavailable("profile_unavailable", err)
}

// getResident serves GET /v1/residents/{id_number}[?as_of=YYYY-MM-DD][&name=]:
// the counter role must give the person's name, checked against the ID
// number like a check's (presentedName); other roles may. The audit event
// lists the household members the profile shows.
func (s *Server) getResident(r *http.Request) (any, *apiError) {
	id, aerr := s.idNumber(chi.URLParam(r, "id_number"))
	if aerr != nil {
		return nil, aerr
	}
	asOf, aerr := s.asOf(r.URL.Query().Get("as_of"))
	if aerr != nil {
		return nil, aerr
	}
	name, aerr := presentedName(r, r.URL.Query().Get("name"), "?name=", false)
	if aerr != nil {
		return nil, aerr
	}
	h, aerr := s.readHousehold(r, id, "", asOf)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.verifyName(r, id, "", name, h.Applicant); aerr != nil {
		return nil, aerr
	}
	view := s.presentResident(residentViewOf(h, maskerFor(caller(r))))
	if _, aerr := s.audit(r, id, "", auditShown, http.StatusOK, shownMembers(h)); aerr != nil {
		return nil, aerr
	}
	return view, nil
}

// shownMembers returns the ID numbers of the household members a profile
// shows (residentViewOf lists those with a person record), the subject
// excluded, for the audit event.
func shownMembers(h *profile.Household) []string {
	var out []string
	for _, mem := range h.Members {
		if mem != nil && mem.Person != nil && mem.IDNumber != h.Applicant.IDNumber {
			out = append(out, mem.IDNumber)
		}
	}
	return out
}

// residentViewOf builds the answer, masking with m.
func residentViewOf(h *profile.Household, m masker) *residentView {
	a := h.Applicant
	v := &residentView{
		IDNumber:  m.id(a.IDNumber),
		AsOf:      a.AsOf,
		Masked:    m.on,
		Household: householdView{HouseholdID: h.HouseholdID, Members: []memberView{}},
		Records:   map[string][]facts.Record{},
		Freshness: a.Freshness,
	}
	if a.Person != nil {
		p := m.record(*a.Person)
		v.Person = &p
	}
	for _, mem := range h.Members {
		if mem == nil || mem.Person == nil {
			continue
		}
		p := m.record(*mem.Person)
		v.Household.Members = append(v.Household.Members, memberView{
			IDNumber:       p.Str("id_number"),
			Name:           p.Str("name"),
			Sex:            p.Str("sex"),
			BirthDate:      p.Date("birth_date"),
			RelationToHead: p.Str("relation_to_head"),
			Relation:       relationName(p.Str("relation_to_head")),
			Status:         p.Str("status"),
			IsSubject:      mem.IDNumber == a.IDNumber,
		})
	}
	for _, def := range facts.Defs()[1:] {
		recs := make([]facts.Record, 0, len(a.Of(def.Name)))
		for _, x := range a.Of(def.Name) {
			recs = append(recs, m.record(x))
		}
		v.Records[def.Name] = recs
	}
	v.IdentityConflicts = []identityConflictView{}
	for _, c := range a.IdentityConflicts {
		cv := identityConflictView{Field: c.Field, Sources: c.Sources}
		if !m.on {
			cv.Values = c.Values
		}
		v.IdentityConflicts = append(v.IdentityConflicts, cv)
	}
	if v.Freshness == nil {
		v.Freshness = map[string]profile.Freshness{}
	}
	return v
}

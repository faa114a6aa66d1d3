package api

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/profile"
)

// residentView is the JSON answer of GET /v1/residents/{id_number}: the
// person's current facts, a summary of the household members and how current
// each dataset is. Sensitive fields are masked for role counter (Masked).
type residentView struct {
	IDNumber        string                       `json:"id_number"`
	AsOf            time.Time                    `json:"as_of"`
	Masked          bool                         `json:"masked"`
	Person          *profile.Person              `json:"person"`
	Household       householdView                `json:"household"`
	Residences      []profile.Residence          `json:"residences"`
	SocialInsurance []profile.SocialInsurance    `json:"social_insurance"`
	Employment      []profile.Employment         `json:"employment"`
	Health          []profile.Health             `json:"health"`
	Assets          []profile.Asset              `json:"assets"`
	Freshness       map[string]profile.Freshness `json:"freshness"`
	PlaceNames      map[string]string            `json:"place_names"` // division code → name (hukou_division, community_code)
	// IdentityConflicts: departments disagree on the person's name or birth
	// date (decisions are needs_review until resolved). Values by source are
	// shown to caseworkers only.
	IdentityConflicts []identityConflictView `json:"identity_conflicts"`
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
	IDNumber       string       `json:"id_number"`
	Name           string       `json:"name"`
	Sex            string       `json:"sex"`
	BirthDate      profile.Date `json:"birth_date"` // null for the counter role
	RelationToHead string       `json:"relation_to_head"`
	Relation       string       `json:"relation"` // GB/T 4761 name of relation_to_head: 配偶
	Status         string       `json:"status"`
	IsSubject      bool         `json:"is_subject"`
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
		if mem != nil && mem.Person != nil && mem.Person.IDNumber != h.Applicant.IDNumber {
			out = append(out, mem.Person.IDNumber)
		}
	}
	return out
}

// residentViewOf builds the answer, masking with m.
func residentViewOf(h *profile.Household, m masker) *residentView {
	a := h.Applicant
	v := &residentView{
		IDNumber:        m.id(a.IDNumber),
		AsOf:            a.AsOf,
		Masked:          m.on,
		Household:       householdView{HouseholdID: h.HouseholdID, Members: []memberView{}},
		Residences:      make([]profile.Residence, 0, len(a.Residences)),
		SocialInsurance: make([]profile.SocialInsurance, 0, len(a.SocialInsurance)),
		Employment:      make([]profile.Employment, 0, len(a.Employment)),
		Health:          make([]profile.Health, 0, len(a.Health)),
		Assets:          make([]profile.Asset, 0, len(a.Assets)),
		Freshness:       a.Freshness,
	}
	if a.Person != nil {
		p := *a.Person
		p.IDNumber = m.field("person", "id_number", p.IDNumber)
		p.Name = m.field("person", "name", p.Name)
		p.HukouAddress = m.field("person", "hukou_address", p.HukouAddress)
		p.Phone = m.field("person", "phone", p.Phone)
		p.BirthDate = m.date(p.BirthDate)
		p.Evidence = m.evidence(p.Evidence)
		v.Person = &p
	}
	for _, mem := range h.Members {
		if mem == nil || mem.Person == nil {
			continue
		}
		p := mem.Person
		v.Household.Members = append(v.Household.Members, memberView{
			IDNumber:       m.field("person", "id_number", p.IDNumber),
			Name:           m.field("person", "name", p.Name),
			Sex:            p.Sex,
			BirthDate:      m.date(p.BirthDate),
			RelationToHead: p.RelationToHead,
			Relation:       relationName(p.RelationToHead),
			Status:         p.Status,
			IsSubject:      p.IDNumber == a.IDNumber,
		})
	}
	for _, x := range a.Residences {
		x.IDNumber = m.field("residence", "id_number", x.IDNumber)
		x.Address = m.field("residence", "address", x.Address)
		x.Evidence = m.evidence(x.Evidence)
		v.Residences = append(v.Residences, x)
	}
	for _, x := range a.SocialInsurance {
		x.IDNumber = m.field("social_insurance", "id_number", x.IDNumber)
		x.Evidence = m.evidence(x.Evidence)
		v.SocialInsurance = append(v.SocialInsurance, x)
	}
	for _, x := range a.Employment {
		x.IDNumber = m.field("employment", "id_number", x.IDNumber)
		x.Evidence = m.evidence(x.Evidence)
		v.Employment = append(v.Employment, x)
	}
	for _, x := range a.Health {
		x.IDNumber = m.field("health", "id_number", x.IDNumber)
		x.Evidence = m.evidence(x.Evidence)
		v.Health = append(v.Health, x)
	}
	for _, x := range a.Assets {
		x.IDNumber = m.field("asset", "id_number", x.IDNumber)
		x.Evidence = m.evidence(x.Evidence)
		v.Assets = append(v.Assets, x)
	}
	v.IdentityConflicts = []identityConflictView{}
	for _, c := range a.IdentityConflicts {
		cv := identityConflictView{Field: c.Field}
		for src := range c.Values {
			cv.Sources = append(cv.Sources, src)
		}
		sort.Strings(cv.Sources)
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

// evidence masks ID numbers inside a record key.
func (m masker) evidence(e profile.Evidence) profile.Evidence {
	e.RecordKey = m.text(e.RecordKey)
	return e
}

package api

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/profile"
)

// The residence certificate as a document a school or employer accepts:
// Chinese only; the holder's name, ID number and address; the community by
// name; the departments whose records it rests on (config
// sources[].display_name); the issuing office (config certificate.issuer)
// with a seal area and a handler's line; the issue date and a verification
// code. How the ID number is printed is the district's choice (config
// certificate.id_number: full, the default, or masked); on screen the
// counter role sees it masked (the page swaps it for the printed form only
// in print media), other roles as printed.

// certDocument is what the certificate template (templates/residence_certificate.html) shows.
type certDocument struct {
	*certificate
	ScreenID string // the ID number on screen
	SinceZh  string // 2019年5月1日, "" when unknown
	DeptsZh  string // 区公安分局户籍科、区住建委
}

// document completes a certificate with what people read: the ID number as
// printed and as shown, the community's name, the evidence's departments
// (the applicant's person record first) and the issuer.
func (s *Server) document(c *certificate, applicant *profile.Resident, m masker) {
	full := applicant.IDNumber
	c.IDNumberMasked = normalize.MaskID(full)
	c.IDNumber = full
	if !s.deps.Certificate.FullIDNumber() {
		c.IDNumber = c.IDNumberMasked
	}
	c.maskOnScreen = m.on
	c.Issuer = s.deps.Certificate.Issuer
	if c.CommunityCode != "" {
		p := s.deps.Places.Place(c.CommunityCode)
		c.Community = p.Local()
		c.District = p.County
	}
	kind, _ := messages.Enum("evidence_kind", c.EvidenceKind)
	c.EvidenceKindName = kind.Zh
	if applicant.Person != nil && applicant.Person.Evidence.Source != "" {
		e := applicant.Person.Evidence
		c.Evidence = append([]certEvidenceView{{Dataset: e.Dataset, Source: e.Source, SourceTime: e.SourceTime,
			Date: e.SourceTime.In(cst).Format(time.DateOnly), KindZh: "户籍登记"}}, c.Evidence...)
	}
	c.Departments = []string{}
	for i := range c.Evidence {
		e := &c.Evidence[i]
		if e.Dataset == "" {
			e.Dataset = "residence"
		}
		e.SourceName = s.departmentName(e.Source, e.Dataset)
		if !slices.Contains(c.Departments, e.SourceName) {
			c.Departments = append(c.Departments, e.SourceName)
		}
	}
}

// departmentName is a source's display name, or the kind of department
// that keeps the dataset (户籍登记部门) when none is configured: a
// certificate never names a source id.
func (s *Server) departmentName(source, dataset string) string {
	if n := s.deps.SourceNames[source]; n != "" {
		return n
	}
	dept, _ := messages.Enum("department", dataset)
	return dept.Zh
}

// renderCertificate writes the certificate's HTML document.
func (s *Server) renderCertificate(c *certificate) (*rawResponse, *apiError) {
	doc := certDocument{certificate: c, ScreenID: c.IDNumber}
	if c.maskOnScreen {
		doc.ScreenID = c.IDNumberMasked
	}
	if t, err := time.Parse(time.DateOnly, c.Since); err == nil {
		doc.SinceZh = t.Format("2006年1月2日")
	}
	doc.DeptsZh = messages.Strings(c.Departments).In(messages.Zh)
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "residence_certificate.html", doc); err != nil {
		return nil, errInternal("internal.render", err)
	}
	return &rawResponse{Status: http.StatusOK, ContentType: "text/html; charset=utf-8", Body: buf.Bytes()}, nil
}

// reasonView is one reason a certificate was not issued.
type reasonView struct {
	Rule string `json:"rule,omitempty"`
	En   string `json:"en"`
	Zh   string `json:"zh"`
}

// In is the reason in lang (messages.Localized).
func (r reasonView) In(lang messages.Lang) string { return messages.Text{Zh: r.Zh, En: r.En}.In(lang) }

// notIssued answers 422: JSON {error, detail, decision, reasons} or, for a
// browser, an HTML page (Chinese) with the same reasons.
func (s *Server) notIssued(d eligibility.Decision, id string, wantJSON bool, m masker) (any, *apiError) {
	var reasons []reasonView
	for _, rr := range d.Rules {
		if rr.Outcome == eligibility.Pass {
			continue
		}
		o, _ := messages.Enum("outcome", rr.Outcome)
		reasons = append(reasons, reasonView{Rule: rr.ID, En: rr.Description.En + " (" + rr.Outcome + ")", Zh: rr.Description.Zh + "（" + o.Zh + "）"})
	}
	for _, miss := range d.Missing {
		t := messages.Missing(miss)
		reasons = append(reasons, reasonView{En: t.En, Zh: t.Zh})
	}
	if len(reasons) == 0 {
		t := messages.Missing("the residence record could not be confirmed")
		reasons = append(reasons, reasonView{En: t.En, Zh: t.Zh})
	}
	dz, _ := messages.Enum("decision", d.Decision)
	if !wantJSON {
		var buf bytes.Buffer
		data := map[string]any{"IDNumber": normalize.MaskID(id), "Date": d.Date, "DecisionZh": dz.Zh, "Reasons": reasons}
		if err := templates.ExecuteTemplate(&buf, "not_issued.html", data); err != nil {
			return nil, errInternal("internal.render", err)
		}
		return &rawResponse{Status: http.StatusUnprocessableEntity, ContentType: "text/html; charset=utf-8", Body: buf.Bytes()}, nil
	}
	list := messages.List{Sep: messages.Text{Zh: "；", En: "; "}}
	for _, r := range reasons {
		list.Items = append(list.Items, r)
	}
	e := errUnprocessable("not_eligible", dz, list)
	e.Extra = map[string]any{"decision": s.presentDecision(maskDecision(d, m)), "reasons": reasons}
	return nil, e
}

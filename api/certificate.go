package api

import (
	"embed"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/profile"
)

// ResidenceCertificateProgram is the program whose decision a residence
// certificate prints.
const ResidenceCertificateProgram = "residence_certificate"

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.New("").Funcs(summaryFuncs).ParseFS(templateFiles, "templates/*.html"))

// certificate is the residence certificate (居住证明), as JSON and as the
// data of the HTML document (certdoc.go). It shows the holder's full name
// and address (the certificate is the holder's document) and the ID number
// as the district prints it (config certificate.id_number: in full by
// default, or masked like 110105********002X); the verification code is the
// ID of the audit event of this issue, so the issuing office can look the
// full record up in audit_log.
type certificate struct {
	Certificate      string             `json:"certificate"` // "residence"
	Title            string             `json:"title"`       // 居住证明
	Name             string             `json:"name"`
	IDNumber         string             `json:"id_number"`        // as printed: in full, or masked (certificate.id_number)
	IDNumberMasked   string             `json:"id_number_masked"` // 110105********0016: shown on screen to the counter role
	Address          string             `json:"address"`
	CommunityCode    string             `json:"community_code"`
	Community        string             `json:"community"`          // its name: 朝阳区望京街道花家地社区, with the code where unknown
	District         string             `json:"district,omitempty"` // county name of the community code
	Since            string             `json:"since"`              // YYYY-MM-DD; "" when the record has none
	EvidenceKind     string             `json:"evidence_kind"`
	EvidenceKindName string             `json:"evidence_kind_name"` // 门禁登记
	Evidence         []certEvidenceView `json:"evidence"`
	Departments      []string           `json:"departments"` // the departments whose records it rests on
	Issuer           string             `json:"issuer"`      // the issuing office (config certificate.issuer)
	IssuedAt         time.Time          `json:"issued_at"`   // instant, UTC
	IssueDate        string             `json:"issue_date"`  // YYYY-MM-DD, China Standard Time
	IssueDateZh      string             `json:"-"`
	VerificationCode string             `json:"verification_code"`
	Decision         string             `json:"decision"`
	maskOnScreen     bool
}

type certEvidenceView struct {
	Dataset    string    `json:"dataset"`
	Source     string    `json:"source"`
	SourceName string    `json:"source_name"` // the department (display name, or 居住登记部门 when none is configured)
	SourceTime time.Time `json:"source_time"`
	Date       string    `json:"date"` // source_time's date, China Standard Time
	KindZh     string    `json:"kind"` // 户籍登记, 门禁登记, ...
}

// getResidenceCertificate serves GET /v1/residents/{id_number}/certificates/residence[?name=]:
// the counter role must give the holder's name, checked against the ID
// number like a check's (presentedName: the certificate shows the full name
// and address, so an ID number alone must not reveal them); other roles may.
// Then the residence_certificate program is evaluated for today; eligible →
// the certificate (HTML by default, JSON with Accept: application/json),
// otherwise 422 with the reasons.
func (s *Server) getResidenceCertificate(r *http.Request) (any, *apiError) {
	id, aerr := s.idNumber(chi.URLParam(r, "id_number"))
	if aerr != nil {
		return nil, aerr
	}
	prog, ok := s.deps.Programs.Program(ResidenceCertificateProgram)
	if !ok {
		return nil, errNotFound("unknown_program.certificate", ResidenceCertificateProgram)
	}
	name, aerr := presentedName(r, r.URL.Query().Get("name"), "?name=", false)
	if aerr != nil {
		return nil, aerr
	}
	asOf := s.now()
	applicant, in, aerr := s.readInput(r, id, prog, asOf)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.verifyName(r, id, prog.ID, name, applicant); aerr != nil {
		return nil, aerr
	}
	d := eligibility.Evaluate(prog, in, asOf)
	wantJSON := prefersJSON(r)
	if d.Decision != eligibility.Eligible {
		if _, aerr := s.audit(r, id, prog.ID, d.Decision, http.StatusUnprocessableEntity, otherMembers(in)); aerr != nil {
			return nil, aerr
		}
		return s.notIssued(d, id, wantJSON, maskerFor(caller(r)))
	}
	eventID, aerr := s.audit(r, id, prog.ID, d.Decision, http.StatusOK, otherMembers(in))
	if aerr != nil {
		return nil, aerr
	}
	c := certificateOf(d, applicant, asOf, eventID)
	s.document(c, applicant, maskerFor(caller(r)))
	if wantJSON {
		return c, nil
	}
	return s.renderCertificate(c)
}

// certificateOf builds the certificate from an eligible decision's outcomes;
// the evidence is the applicant's residence record the outcomes name.
func certificateOf(d eligibility.Decision, applicant *profile.Resident, issued time.Time, eventID string) *certificate {
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := d.Amounts[k]; ok && v != nil {
				switch x := v.(type) {
				case string:
					return x
				case time.Time:
					return x.In(cst).Format(time.DateOnly)
				default:
					return fmt.Sprint(x)
				}
			}
		}
		return ""
	}
	c := &certificate{
		Certificate:      "residence",
		Title:            "居住证明",
		Name:             str("name"),
		Address:          str("address"),
		CommunityCode:    str("community_code", "community"),
		EvidenceKind:     str("evidence_kind"),
		IssuedAt:         issued.UTC(),
		IssueDate:        issued.In(cst).Format(time.DateOnly),
		IssueDateZh:      issued.In(cst).Format("2006年1月2日"),
		VerificationCode: verificationCode(eventID),
		Decision:         d.Decision,
		Evidence:         []certEvidenceView{},
	}
	if since := str("since"); len(since) >= 10 {
		c.Since = since[:10]
	}
	for _, res := range applicant.Of("residence") {
		if res.Str("address") == c.Address && res.Str("community_code") == c.CommunityCode {
			e := res.Evidence
			c.Evidence = append(c.Evidence, certEvidenceView{Dataset: e.Dataset, Source: e.Source, SourceTime: e.SourceTime,
				Date: e.SourceTime.In(cst).Format(time.DateOnly), KindZh: kindZh(res.Str("evidence_kind"))})
		}
	}
	if len(c.Evidence) == 0 { // fall back to every residence record behind the decision
		for _, e := range d.Evidence {
			if e.Dataset == "residence" {
				c.Evidence = append(c.Evidence, certEvidenceView{Dataset: e.Dataset, Source: e.Source, SourceTime: e.SourceTime,
					Date: e.SourceTime.In(cst).Format(time.DateOnly), KindZh: kindZh(c.EvidenceKind)})
			}
		}
	}
	return c
}

func kindZh(kind string) string {
	t, _ := messages.Enum("evidence_kind", kind)
	return t.Zh
}

// verificationCode groups an event ID in fours for reading aloud: 3F2A-9C01-...
func verificationCode(eventID string) string {
	v := strings.ToUpper(eventID)
	var parts []string
	for len(v) > 4 {
		parts = append(parts, v[:4])
		v = v[4:]
	}
	return strings.Join(append(parts, v), "-")
}

// prefersJSON reports whether the Accept header ranks application/json above
// text/html (HTML is the default, also for */*).
func prefersJSON(r *http.Request) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(qs, 64); err == nil {
				q = f
			}
		}
		if (mt == "application/json" || mt == "text/html") && q > bestQ {
			best, bestQ = mt, q
		}
	}
	return best == "application/json"
}

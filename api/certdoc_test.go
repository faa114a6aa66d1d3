package api

import (
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/places"
	"github.com/residenthub/residenthub/profile"
)

// TestCertificateDocument renders the certificate of a resident without
// ClickHouse (the document is a pure function of the decision, the profile
// and the district's settings): the ID number as the district prints it,
// the departments by name or, without display names, by kind, never by
// source id, and the community's code where its name is unknown.
func TestCertificateDocument(t *testing.T) {
	programs, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	prog, _ := programs.Program(ResidenceCertificateProgram)
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	src := now.AddDate(0, 0, -3)
	person, err := facts.Make("person", map[string]any{"id_number": idZhang, "name": "张三", "status": "normal", "hukou_division": "110105"})
	if err != nil {
		t.Fatal(err)
	}
	person.Evidence = facts.Evidence{Dataset: "person", Source: "hukou", RecordKey: idZhang, SourceTime: src, IngestTime: src}
	residence, err := facts.Make("residence", map[string]any{"id_number": idZhang, "address": "北京市朝阳区建外街道某小区1号",
		"community_code": "110105001007", "evidence_kind": "rental_registration"})
	if err != nil {
		t.Fatal(err)
	}
	residence.Evidence = facts.Evidence{Dataset: "residence", Source: "rental", RecordKey: "r1", SourceTime: src, IngestTime: src}
	res := &profile.Resident{Member: facts.Member{IDNumber: idZhang, Person: &person, Records: map[string][]facts.Record{"residence": {residence}}},
		AsOf: now,
		Freshness: map[string]profile.Freshness{
			"person":    {DatasetRows: 1, DatasetSourceTime: src, DatasetIngestTime: src},
			"residence": {DatasetRows: 1, DatasetSourceTime: src, DatasetIngestTime: src},
		},
	}
	d := eligibility.Evaluate(prog, eligibility.NewInput(res.Facts()), now)
	if d.Decision != eligibility.Eligible {
		t.Fatalf("decision %s: %v", d.Decision, d.Missing)
	}
	f := func(settings config.Certificate, names map[string]string, counter bool, want, notWant []string) {
		t.Helper()
		s := &Server{deps: Deps{Certificate: settings, SourceNames: names, Places: places.Default()}}
		c := certificateOf(d, res, now, "0123456789abcdef0123456789abcdef")
		s.document(c, res, masker{on: counter})
		raw, aerr := s.renderCertificate(c)
		if aerr != nil {
			t.Fatal(aerr)
		}
		html := string(raw.Body)
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%+v: certificate lacks %q:\n%s", settings, w, html)
			}
		}
		for _, w := range notWant {
			if strings.Contains(html, w) {
				t.Errorf("%+v: certificate shows %q", settings, w)
			}
		}
	}
	masked, full := "110105********0016", idZhang
	common := []string{"兹证明<strong>张三</strong>", "现居住于", "登记中未载明", "朝阳区建外街道（社区代码 110105001007）", "房屋租赁登记备案",
		"核验码：0123-4567-89AB-CDEF-0123-4567-89AB-CDEF", "开具日期：2026年11月29日"}
	// The default: in full when printed, masked on the counter's screen.
	f(config.Certificate{Issuer: config.DefaultIssuer, IDNumber: config.IDNumberFull}, nil, true,
		append(common, `<span class="id-screen">`+masked+`</span><span class="id-print">`+full+`</span>`,
			"户籍登记：户籍登记部门", "房屋租赁登记备案：居住登记部门", "本证明依据户籍登记部门、居住登记部门登记的数据", "开具单位：社区便民服务大厅（盖章）"),
		[]string{"hukou", "rental"})
	// A caseworker's screen shows what is printed.
	f(config.Certificate{Issuer: "望京街道便民服务大厅", IDNumber: config.IDNumberFull}, map[string]string{"rental": "区住房和城乡建设委员会"}, false,
		append(common, `<span class="id-screen">`+full+`</span><span class="id-print">`+full+`</span>`,
			"房屋租赁登记备案：区住房和城乡建设委员会", "开具单位：望京街道便民服务大厅（盖章）"),
		[]string{masked})
	// A district that prints it masked never sends the full number.
	f(config.Certificate{Issuer: config.DefaultIssuer, IDNumber: config.IDNumberMasked}, nil, false,
		append(common, `<span class="id-screen">`+masked+`</span><span class="id-print">`+masked+`</span>`), []string{full})
}

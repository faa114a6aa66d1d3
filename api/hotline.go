package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/messages"
	"github.com/residenthub/residenthub/schema"
)

// Hotline answers the 12345 hotline ranking; *hotlinedb.Reader satisfies it.
type Hotline interface {
	Ranking(ctx context.Context, year int, community string) (*hotline.Ranking, error)
}

// firstHotlineYear is the earliest year the ranking answers for.
const firstHotlineYear = 2000

// getTopProblems serves GET /v1/hotline/top-problems?year=&community=: the
// year's ten problem kinds of a community (12-digit code) or of the whole
// district (no community), by cases. The answer holds counts, kinds and
// committees only: no ticket, caller, name, phone, ID number or address.
func (s *Server) getTopProblems(r *http.Request) (any, *apiError) {
	rk, aerr := s.hotlineRanking(r)
	if aerr != nil {
		return nil, aerr
	}
	return rk, nil
}

// getHotlineSummary serves GET /v1/hotline/summary?year=&community=&format=:
// the de-identified public summary (hotline.Summarize: counts under
// hotline.suppress_below withheld) as JSON (default), CSV (csvsafe) or a
// printable HTML page.
func (s *Server) getHotlineSummary(r *http.Request) (any, *apiError) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "html" {
		return nil, errBadRequest("invalid_format", clip(format))
	}
	rk, aerr := s.hotlineRanking(r)
	if aerr != nil {
		return nil, aerr
	}
	sum := hotline.Summarize(*rk, s.deps.HotlineSuppressBelow)
	switch format {
	case "csv":
		var b bytes.Buffer
		b.WriteString("\ufeff") // spreadsheets read the file as UTF-8
		if err := hotline.WriteSummaryCSV(&b, sum); err != nil {
			return nil, errInternal("internal.encode", err)
		}
		return &rawResponse{Status: http.StatusOK, ContentType: "text/csv; charset=utf-8", Body: b.Bytes()}, nil
	case "html":
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, "hotline_summary.html", summaryPage{Summary: sum, Window: rk.CaseWindowDays}); err != nil {
			return nil, errInternal("internal.render", err)
		}
		return &rawResponse{Status: http.StatusOK, ContentType: "text/html; charset=utf-8", Body: b.Bytes()}, nil
	}
	return sum, nil
}

// summaryPage is what templates/hotline_summary.html shows.
type summaryPage struct {
	hotline.Summary
	Window int
}

// Note is the counting rule under the table, in Chinese.
func (p summaryPage) Note() string {
	t, _ := messages.Label("hotline.note")
	return strings.Replace(t.Zh, "%[1]d", strconv.Itoa(p.Window), 1)
}

// Mark is the text of a withheld cell.
func (p summaryPage) Mark() string { return "<" + strconv.Itoa(p.SuppressBelow) }

func (s *Server) hotlineRanking(r *http.Request) (*hotline.Ranking, *apiError) {
	q := r.URL.Query()
	now := s.now().In(schema.ChinaTime)
	year := now.Year()
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || len(y) != 4 || n < firstHotlineYear || n > now.Year() {
			return nil, errBadRequest("invalid_year", clip(y), firstHotlineYear, now.Year())
		}
		year = n
	}
	community := strings.TrimSpace(q.Get("community"))
	if community != "" && (len(community) != 12 || strings.Trim(community, "0123456789") != "") {
		return nil, errBadRequest("invalid_community", clip(community))
	}
	if s.deps.Hotline == nil {
		return nil, errUnavailable("hotline_unavailable", nil)
	}
	rk, err := s.deps.Hotline.Ranking(r.Context(), year, community)
	if err != nil {
		return nil, errUnavailable("hotline_unavailable", err)
	}
	rk.Community.Code = community
	if community == "" {
		t, _ := messages.Label("hotline.district")
		rk.Community.Name = t.Zh
	} else {
		p := s.deps.Places.Place(community)
		rk.Community.Name = p.Community
		if rk.Community.Name == "" {
			rk.Community.Name = p.Local()
		}
	}
	return rk, nil
}

// clip cuts a parameter echoed in an error to 40 characters.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// summaryFuncs format the public summary's cells.
var summaryFuncs = map[string]any{
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"percent": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p*100, 'f', 1, 64) + "%"
	},
	"days": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p, 'f', 1, 64)
	},
}

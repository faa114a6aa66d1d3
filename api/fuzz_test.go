package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/profile"
)

// nobody is a Profiles in which no one exists: the fuzz target below tests
// the request handling before and around the read, not ClickHouse (the
// integration tests do that).
type nobody struct{}

func (nobody) Resident(context.Context, string, time.Time) (*profile.Resident, error) {
	return nil, profile.ErrNotFound
}

func (nobody) Household(context.Context, string, time.Time) (*profile.Household, error) {
	return nil, profile.ErrNotFound
}

// discardAudit accepts every event.
type discardAudit struct{}

func (discardAudit) Write(context.Context, audit.Event) error { return nil }

// FuzzCheckRequestBody sends any body to POST /v1/checks as the counter
// role. Invariants: no panic (the wrapper would answer 500), a 4xx JSON
// error with a code and a valid UTF-8 detail, and no valid full ID number
// of the body echoed back to the counter role.
func FuzzCheckRequestBody(f *testing.F) {
	for _, s := range []string{
		`{"program":"dibao","id_number":"110105198001010016","name":"张三"}`,
		`{"program":"dibao","id_number":"110105198001010016","name":"张三","as_of":"2026-01-31"}`,
		`{"program":"nope","id_number":"11010519800101001X","name":"x"}`,
		`{"program":"dibao","id_number":"１１０１０５１９８００１０１００１６","name":" 张 三 "}`,
		`{"program":1}`, `[]`, `null`, `{"a":1}`, `{} {}`, `{"program":"dibao"`, "\xff", "",
	} {
		f.Add([]byte(s))
	}
	programs, err := eligibility.Default()
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(Deps{Keys: testKeys(), Profiles: nobody{}, Programs: programs, Audit: discardAudit{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/v1/checks", strings.NewReader(string(body)))
		r.Header.Set("Authorization", "Bearer "+keyCounter)
		r.Header.Set(PurposeHeader, "fuzz")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var e struct{ Error, Detail string }
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" || e.Detail == "" || !utf8.ValidString(e.Detail) {
			t.Fatalf("answer %q for %q is not a JSON error with a code and detail", w.Body, body)
		}
		var req checkRequest
		if json.Unmarshal(body, &req) == nil {
			if id, aerr := s.idNumber(req.IDNumber); aerr == nil && strings.Contains(w.Body.String(), id) {
				t.Fatalf("the counter role got the full ID number back: %s", w.Body)
			}
		}
	})
}

package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/profile"
)

// offlineServer builds the full router with real components that are never
// called (no connection is made before a request needs one).
func offlineServer(t *testing.T) *Server {
	t.Helper()
	programs, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := audit.NewWriter([]string{"127.0.0.1:1"})
	t.Cleanup(func() { _ = w.Close() })
	s, err := New(Deps{Keys: testKeys(), Profiles: profile.NewReader(nil, config.ClickHouse{Database: "x"}),
		Programs: programs, Audit: w, Push: pushHandler, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Security   *[]any `json:"security"`
		Parameters []struct {
			Ref  string `json:"$ref"`
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		Responses map[string]any `json:"responses"`
	} `json:"paths"`
}

// TestOpenAPICoversRoutes checks that openapi.json documents exactly the
// router's routes (less the service-hall page's), with the purpose header on
// person reads and 401/403 on authenticated routes.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	s := offlineServer(t)
	byKey := map[string]route{}
	for _, rt := range s.routes() {
		byKey[strings.ToLower(rt.Method)+" "+rt.Pattern] = rt
	}
	routed := map[string]bool{}
	err := chi.Walk(s.handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := strings.ToLower(method) + " " + pattern
		routed[key] = true
		if byKey[key].Page {
			if _, ok := doc.Paths[pattern]; ok {
				t.Errorf("%s is the service-hall page, not an API operation, but openapi.json documents it", key)
			}
			return nil
		}
		op, ok := doc.Paths[pattern][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", method, pattern)
			return nil
		}
		rt := byKey[key]
		if len(op.Responses) == 0 {
			t.Errorf("%s: no responses documented", key)
		}
		for _, p := range strings.Split(pattern, "/") {
			if strings.HasPrefix(p, "{") {
				name := strings.Trim(p, "{}")
				found := false
				for _, prm := range op.Parameters {
					found = found || prm.Name == name && prm.In == "path" || prm.Ref == "#/components/parameters/IDNumber" && name == "id_number"
				}
				if !found {
					t.Errorf("%s: path parameter %s not documented", key, name)
				}
			}
		}
		if rt.Person {
			found := false
			for _, prm := range op.Parameters {
				found = found || prm.Ref == "#/components/parameters/Purpose"
			}
			if !found {
				t.Errorf("%s reads a person's data but does not document X-Purpose", key)
			}
			if op.Responses["429"] == nil {
				t.Errorf("%s reads a person's data (admission: 429 past the queue) but does not document 429", key)
			}
		}
		if rt.Roles != nil {
			for _, code := range []string{"401", "403"} {
				if op.Responses[code] == nil {
					t.Errorf("%s: %s not documented", key, code)
				}
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("%s needs a key but is documented without security", key)
			}
		} else if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s needs no key but is documented with security", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if !routed[method+" "+path] {
				extra = append(extra, method+" "+path)
			}
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("openapi.json documents operations the router does not serve: %v", extra)
	}
	if len(routed) != len(s.routes()) {
		t.Errorf("router has %d routes, route list %d", len(routed), len(s.routes()))
	}
}

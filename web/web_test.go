package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHandler(t *testing.T) {
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/", "text/html; charset=utf-8", "社区便民服务大厅"},
		{"/web/app.js", "text/javascript; charset=utf-8", "v1/checks"},
		{"/web/style.css", "text/css; charset=utf-8", ".banner.eligible"},
		{"/web/messages.json", "application/json; charset=utf-8", `"moved_out":{"zh":"迁出"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := serve(t, "GET", tc.path, nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.Contains(body, tc.contains) {
				t.Fatalf("status %d, type %q, body has %q: %v", resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains, strings.Contains(body, tc.contains))
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self' 'unsafe-hashes' 'sha256-", "connect-src 'self'", "frame-src 'self' blob:"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("headers %v", resp.Header)
			}
			etag := resp.Header.Get("ETag")
			again, _ := serve(t, "GET", tc.path, map[string]string{"If-None-Match": etag})
			if etag == "" || again.StatusCode != http.StatusNotModified {
				t.Errorf("ETag %q: revalidation answered %d", etag, again.StatusCode)
			}
			head, hb := serve(t, "HEAD", tc.path, nil)
			if head.StatusCode != 200 || hb != "" {
				t.Errorf("HEAD: %d %q", head.StatusCode, hb)
			}
		})
	}
	for _, p := range []string{"/web/", "/web/index.html", "/web/nothing.js", "/index.html", "/web/../web.go", "/static/app.js"} {
		if resp, _ := serve(t, "GET", p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := serve(t, "POST", "/", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d", resp.StatusCode)
	}
}

// TestPageIsSelfContained checks that the page loads only its own files
// (the hall's machines are offline: no CDN) by relative URLs, so that the
// hub also works behind a path prefix.
func TestPageIsSelfContained(t *testing.T) {
	for page, want := range map[string]int{"/": 3, "/web/hotline.html": 3} {
		base := "/"
		if page != "/" {
			base = "/web/"
		}
		_, body := serve(t, "GET", page, nil)
		refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1)
		if len(refs) != want {
			t.Fatalf("%s references %v, want the script, the style sheet and the other page", page, refs)
		}
		for _, m := range refs {
			if strings.Contains(m[1], ":") || strings.HasPrefix(m[1], "/") {
				t.Errorf("%s references %q: want a relative URL of its own files", page, m[1])
			}
			if resp, _ := serve(t, "GET", path.Clean(base+m[1]), nil); resp.StatusCode != 200 {
				t.Errorf("%s references %q, which answers %d", page, m[1], resp.StatusCode)
			}
		}
	}
	for _, name := range []string{"/web/app.js", "/web/hotline.js"} {
		_, js := serve(t, "GET", name, nil)
		// The SVG namespace is a name, not a host the page loads from.
		js = strings.ReplaceAll(js, "'http://www.w3.org/2000/svg'", "")
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "localStorage", "http://", "https://"} {
			if strings.Contains(js, bad) {
				t.Errorf("%s uses %q: API data must go in as text, the key in sessionStorage only, no other hosts", name, bad)
			}
		}
	}
}

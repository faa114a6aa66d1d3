// Package web is the service-hall page: one HTML page with plain JavaScript
// and CSS (static/, embedded into the binary; no framework, no build step,
// nothing loaded from other hosts) that a counter clerk opens at the hub's
// root URL to run eligibility checks through the API and print residence
// certificates.
//
// The page holds no data: it calls the API (/v1/programs, /v1/checks,
// /v1/residents/{id}/certificates/residence) with the clerk's API key, which
// it keeps in the browser's sessionStorage only, and the purpose of the visit
// (X-Purpose, percent-encoded UTF-8). It names enum values, fields, units
// and error codes from the hub's message catalogue (package messages),
// served at /web/messages.json, and asks the API for Chinese error details.
// The api package mounts Handler at GET / and GET /web/* without
// authentication.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/residenthub/residenthub/messages"
)

//go:embed static
var static embed.FS

// PrintHandler is the inline handler of the print button on the API's
// certificate page (api/templates/residence_certificate.html). Certificates
// shown from a blob: URL inherit this page's Content-Security-Policy, so the
// policy allows exactly this inline handler by its hash.
const PrintHandler = "window.print()"

// contentSecurityPolicy allows the page's own script and styles, API calls to
// the same origin, and certificates shown in a frame or window from a blob:
// URL (their inline styles and print button included).
var contentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-hashes' 'sha256-" + sha256Base64(PrintHandler) + "'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// file is one embedded file with what its answer needs.
type file struct {
	name        string
	contentType string
	etag        string
	body        []byte
}

// files maps URL paths to the embedded files: "/" is the page, "/web/<name>"
// its scripts and styles, "/web/messages.json" the message catalogue.
var files = mustLoad()

func mustLoad() map[string]file {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".json": "application/json; charset=utf-8",
	}
	out := map[string]file{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := file{name: d.Name(), contentType: types[path.Ext(p)], etag: `"` + hex.EncodeToString(sum[:8]) + `"`, body: body}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		if f.name == "index.html" {
			out["/"] = f
		} else {
			out["/web/"+f.name] = f
		}
		return nil
	})
	if err == nil {
		var cat []byte
		if cat, err = json.Marshal(messages.Catalogue()); err == nil {
			sum := sha256.Sum256(cat)
			out["/web/messages.json"] = file{name: "messages.json", contentType: types[".json"], etag: `"` + hex.EncodeToString(sum[:8]) + `"`, body: cat}
		}
	}
	if err != nil || out["/"].body == nil {
		// The files are compiled in: this cannot fail at run time.
		panic("web: cannot load the embedded page: " + errText(err))
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return "static/index.html is missing"
	}
	return err.Error()
}

// Handler serves the page at "/" and its files at "/web/<name>" (GET and
// HEAD; conditional requests by ETag); any other path is a 404. Every answer
// carries the page's Content-Security-Policy, nosniff, no referrer and
// Cache-Control: no-cache (the browser revalidates, so a new binary's page
// is picked up at once).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
	})
}

func sha256Base64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

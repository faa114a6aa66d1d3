package api

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/web"
)

// TestCertificateContentSecurityPolicy: the certificate and the not-issued
// page carry a policy that runs no script but the print button's inline
// handler, which the policy allows by its hash.
func TestCertificateContentSecurityPolicy(t *testing.T) {
	e := newTestEnv(t)
	f := func(id, name string, status int) {
		t.Helper()
		r, _ := http.NewRequest("GET", e.url+"/v1/residents/"+id+"/certificates/residence?name="+url.QueryEscape(name), nil)
		r.Header.Set("Authorization", "Bearer "+keyCounter)
		r.Header.Set(PurposeHeader, "print residence certificate")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d %s, want %d text/html", resp.StatusCode, resp.Header.Get("Content-Type"), status)
		}
		for _, want := range []string{"default-src 'none'", "base-uri 'none'", "form-action 'none'", "'sha256-" + hashBase64(web.PrintHandler) + "'"} {
			if !strings.Contains(csp, want) {
				t.Fatalf("Content-Security-Policy %q lacks %q", csp, want)
			}
		}
		if strings.Contains(string(body), "onclick=") && !strings.Contains(string(body), `onclick="`+web.PrintHandler+`"`) {
			t.Fatalf("the page has an inline handler the policy does not allow: %s", body)
		}
	}
	f(idZhang, "张三", http.StatusOK)
	f(idWang, "王五", http.StatusUnprocessableEntity)
}

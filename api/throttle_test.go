package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
)

// TestNameThrottleCounts: the sliding window per key and per subject.
func TestNameThrottleCounts(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	th := newNameThrottle(config.NameMismatches{PerKey: 3, PerPerson: 3, Window: 10 * time.Minute}, func() time.Time { return now })
	f := func(key, subject string, want bool) {
		t.Helper()
		if got, wait := th.blocked(key, subject); got != want || got != (wait > 0) {
			t.Fatalf("blocked(%s, %s) = %v, %v; want %v", key, subject, got, wait, want)
		}
	}
	th.mismatch("k1", "s1")
	th.mismatch("k1", "s2")
	f("k1", "s3", false)
	th.mismatch("k1", "s3")
	f("k1", "s9", true)  // the key: 3 mismatches
	f("k2", "s1", false) // another key, a subject with one mismatch
	th.mismatch("k2", "s4")
	th.mismatch("k3", "s4")
	th.mismatch("k4", "s4")
	f("k5", "s4", true) // the subject: 3 mismatches from three keys
	now = now.Add(10 * time.Minute)
	f("k1", "s9", false) // the window has passed
	f("k5", "s4", false)
}

// TestNameGuessingThrottled: after 3 wrong names for one ID number (limits
// 3), the key gets 429 name_attempts_exceeded with Retry-After even for
// the right name and for another person, another key gets it for that
// person, and each refusal is audited as name_throttled.
func TestNameGuessingThrottled(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) { d.NameMismatches = config.NameMismatches{PerKey: 3, PerPerson: 3, Window: time.Hour} })
	for _, guess := range []string{"张四", "张五", "张六"} {
		e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "dibao", "id_number": idZhang, "name": guess}, "").expect(t, 422, "name_mismatch")
	}
	e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "dibao", "id_number": idZhang, "name": "张三"}, "").expect(t, 429, "name_attempts_exceeded")
	e.req("GET", "/v1/residents/"+idLi+"?name="+url.QueryEscape("李四"), keyCounter, purposeText, nil, "").expect(t, 429, "name_attempts_exceeded")
	e.req("GET", "/v1/residents/"+idZhang+"/certificates/residence?name="+url.QueryEscape("张三"), keyCaseworker, purposeText, nil, "").
		expect(t, 429, "name_attempts_exceeded")
	// Another key, another person: not affected.
	e.req("GET", "/v1/residents/"+idLi+"?name="+url.QueryEscape("李四"), keyCaseworker, purposeText, nil, "").expect(t, 200, "")

	r, _ := http.NewRequest("POST", e.url+"/v1/checks", strings.NewReader(`{"program":"dibao","id_number":"`+idZhang+`","name":"张三"}`))
	r.Header.Set("Authorization", "Bearer "+keyCounter)
	r.Header.Set(PurposeHeader, purposeText)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	waitAudit(t, e, "decision = 'name_throttled' AND status = 429", 4)
	waitAudit(t, e, "decision = 'name_mismatch' AND status = 422 AND caller = 'hall-1'", 3)
}

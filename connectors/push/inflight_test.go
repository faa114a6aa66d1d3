package push

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

// TestPushBytesInFlightBounded: with room for 200 body bytes in flight, a
// push whose 150-byte body is still arriving (a slow sender on a real
// socket) makes a second push of 100 bytes answer 429 push_busy with
// Retry-After, before its body is read; once the first has been published,
// pushes are admitted again. Nothing is lost: the slow push is accepted.
func TestPushBytesInFlightBounded(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	cfg := &config.Config{Sources: ct.Sources(t, sources)}
	cfg.HTTP.MaxPushBytesInFlight = 200
	kinds := map[string]connectors.Factory{"push": New, "file": func(*config.Source) (connectors.Puller, error) { return nil, nil }}
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, cfg.Sources)
	dept := &access.Caller{Name: "payroll-dept", Role: access.RoleDepartment, Sources: []string{"payroll"}}
	handler := NewHandler(cfg, h.Publisher, h.Scheduler, nil)
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/v1/sources/{source}/records", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		handler.ServeHTTP(w, req.WithContext(access.WithCaller(req.Context(), dept))) // stands in for the API's auth
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()

	record := func(i, size int) string {
		s := fmt.Sprintf(`{"sfzh":"11010519900101%04d","month":"2026-10","employer":"`, i)
		return s + strings.Repeat("x", size-len(s)-3) + `"}` + "\n"
	}
	slow := record(1, 150)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/sources/payroll/records HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n%s", len(slow), slow[:20])

	post := func(body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/sources/payroll/records", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// Wait until the slow push's handler holds its bytes. Sending other
	// pushes meanwhile would race it: a fast push in flight when the slow
	// one arrives makes the slow one the refused push.
	for held := int64(0); held != int64(len(slow)); {
		handler.mu.Lock()
		held = handler.inFlight
		handler.mu.Unlock()
		if ctx.Err() != nil {
			t.Fatalf("the slow push never held its %d bytes (held %d)", len(slow), held)
		}
		time.Sleep(5 * time.Millisecond)
	}
	busy := post(record(2, 100))
	if busy.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a push while 150 of 200 bytes were in flight: status %d, want 429", busy.StatusCode)
	}
	if busy.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if _, err := io.WriteString(c, slow[20:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slow push: %v %v", resp, err)
	}
	// The slow push's bytes are released as its handler returns, which may be
	// just after its answer was read: admitted again within moments.
	for {
		resp := post(record(9999, 100))
		if resp.StatusCode == http.StatusOK {
			break
		}
		if resp.StatusCode != http.StatusTooManyRequests || ctx.Err() != nil {
			t.Fatalf("push after the slow one finished: %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

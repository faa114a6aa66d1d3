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
	// Until the slow push's handler holds its bytes, others may still pass.
	var busy *http.Response
	for i := 2; busy == nil; i++ {
		if resp := post(record(i, 100)); resp.StatusCode == http.StatusTooManyRequests {
			busy = resp
		} else if resp.StatusCode != http.StatusOK {
			t.Fatalf("push %d: status %d", i, resp.StatusCode)
		}
		if ctx.Err() != nil {
			t.Fatal("no push was refused while 150 of 200 bytes were in flight")
		}
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

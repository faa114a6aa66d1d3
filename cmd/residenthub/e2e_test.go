package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestDemoDistrictEndToEnd is the main job on realistic input: the demo
// generator writes a district's department extracts; the hub, configured by
// deploy/demo/residenthub.yaml, pulls them through the file connectors into
// the embedded Kafka broker (real TCP), the pipelines load ClickHouse (a real
// server), and the API's answers are checked against the generator's truth:
// rows per dataset, dead letters per source, profiles, and every household's
// dibao decision and allowance.
func TestDemoDistrictEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	root := t.TempDir()
	truth, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "var", "demo"), Seed: 7, Households: 400})
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoHubConfig(t, root)

	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hub, err := startHub(ctx, cfg, map[string]bool{"connectors": true, "pipelines": true, "api": true}, log)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = hub.Shutdown(context.Background())
		}
	}()

	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}

	t.Run("rows per dataset", func(t *testing.T) {
		got, err := store.CurrentRowCounts(ctx, hub.clickhouse.conn, cfg.ClickHouse)
		if err != nil {
			t.Fatal(err)
		}
		for dataset, want := range truth.Counts {
			if got[dataset] != uint64(want.Current) {
				t.Errorf("%s: %d current rows, truth says %d", dataset, got[dataset], want.Current)
			}
		}
	})

	t.Run("dead letters per source", func(t *testing.T) {
		checkDeadLetters(ctx, t, hub.kafka.brokers, cfg, truth)
		want := invalidPerSource(truth)
		for _, s := range cfg.Sources {
			letters, err := bus.ReadDeadLetters(ctx, hub.kafka.brokers, s.Name, 100)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(letters)) != want[s.Name] {
				t.Errorf("dead-letters -source %s read %d, want %d", s.Name, len(letters), want[s.Name])
			}
			for _, d := range letters {
				if d.Reason == "" || d.Source != s.Name {
					t.Errorf("dead letter without reason or source: %+v", d)
				}
			}
			// Every invalid record the generator wrote is among them, found by
			// where it stands in the delivery (file and line or sheet row).
			for _, inv := range truth.Invalid {
				if inv.Source != s.Name {
					continue
				}
				base, line := filepath.Base(inv.File), strconv.Itoa(inv.Line)
				found := false
				for _, d := range letters {
					found = found || strings.HasPrefix(d.Origin, base) && (strings.HasSuffix(d.Origin, ":"+line) || strings.HasSuffix(d.Origin, "!"+line))
				}
				if !found {
					t.Errorf("invalid record %s line %s (%s: %s) is not in dlq.%s", base, line, inv.Field, inv.Reason, s.Name)
				}
			}
		}
	})

	base := "http://" + hub.api.addr

	t.Run("hotline top problems", func(t *testing.T) { checkHotlineTruth(ctx, t, base, truth.Hotline) })
	residents := map[string]demo.Resident{}
	for _, r := range truth.Residents {
		residents[r.IDNumber] = r
	}

	t.Run("profiles", func(t *testing.T) {
		n := 0
		for _, r := range truth.Residents {
			if n == 50 {
				break
			}
			n++
			var got struct {
				Person struct {
					IDNumber    string `json:"id_number"`
					Name        string `json:"name"`
					Sex         string `json:"sex"`
					BirthDate   string `json:"birth_date"`
					HouseholdID string `json:"household_id"`
					Status      string `json:"status"`
				} `json:"person"`
			}
			status := call(ctx, t, http.MethodGet, base+"/v1/residents/"+r.IDNumber, "demo-caseworker-key", nil, &got)
			if status != http.StatusOK {
				t.Fatalf("profile of resident %d: status %d", n, status)
			}
			p := got.Person
			if p.IDNumber != r.IDNumber || p.Name != r.Name || p.Sex != r.Sex || p.HouseholdID != r.HouseholdID || p.Status != r.Status || !hasPrefix(p.BirthDate, r.BirthDate) {
				t.Errorf("profile of resident %d = %+v, truth %+v", n, p, r)
			}
		}
	})

	t.Run("dibao decision of every household", func(t *testing.T) {
		// Evidence oracle: the history tables, read without the read side.
		var ids []string
		for _, r := range truth.Residents {
			ids = append(ids, r.IDNumber)
		}
		history, err := readHistoryFacts(ctx, hub.clickhouse.conn, cfg.ClickHouse.Database, ids)
		if err != nil {
			t.Fatal(err)
		}
		mismatches := 0
		for _, h := range truth.Households {
			head, ok := residents[h.ApplicantID]
			if !ok {
				continue
			}
			req := map[string]string{"program": "dibao", "id_number": head.IDNumber, "name": head.Name}
			var got struct {
				Decision string         `json:"decision"`
				Amounts  map[string]any `json:"amounts"`
				Missing  []string       `json:"missing"`
				Rules    []struct {
					ID     string         `json:"id"`
					Values map[string]any `json:"values"`
				} `json:"rules"`
				Evidence []struct {
					Dataset    string    `json:"dataset"`
					Source     string    `json:"source"`
					RecordKey  string    `json:"record_key"`
					SourceTime time.Time `json:"source_time"`
				} `json:"evidence"`
			}
			status := call(ctx, t, http.MethodPost, base+"/v1/checks", "demo-caseworker-key", req, &got)
			if status != http.StatusOK {
				t.Fatalf("household %s: check status %d", h.HouseholdID, status)
			}
			var problems []string
			if got.Decision != h.Decision {
				problems = append(problems, fmt.Sprintf("decision %s, truth %s", got.Decision, h.Decision))
			}
			if h.RulesDecision == "eligible" && (fmt.Sprint(got.Amounts["monthly_allowance_fen"]) != fmt.Sprint(h.AllowanceFen) ||
				fmt.Sprint(got.Amounts["per_capita_income_fen"]) != fmt.Sprint(h.PerCapitaIncomeFen)) {
				problems = append(problems, fmt.Sprintf("amounts %v, truth allowance %d per-capita %d", got.Amounts, h.AllowanceFen, h.PerCapitaIncomeFen))
			}
			// The values the rules show, against the truth.
			values := map[string]any{}
			for _, r := range got.Rules {
				for k, v := range r.Values {
					values[r.ID+"."+k] = v
				}
			}
			for k, want := range map[string]any{
				"income_below_standard.per_capita_income_fen": h.PerCapitaIncomeFen, "income_below_standard.member_count": len(h.Members),
				"income_below_standard.standard_fen": h.StandardFen, "assets_within_limits.deposit_fen": h.DepositsFen,
				"assets_within_limits.deposit_limit_fen": h.DepositLimitFen, "assets_within_limits.real_estate_count": h.RealEstate,
				"assets_within_limits.vehicle_count": h.Vehicles,
			} {
				if f, ok := values[k].(float64); !ok || fmt.Sprint(int64(f)) != fmt.Sprint(want) {
					problems = append(problems, fmt.Sprintf("%s = %v, truth %v", k, values[k], want))
				}
			}
			// The evidence: every current record of every member of the
			// household (any status) in the program's datasets, as the
			// history tables hold them.
			var members []string
			for _, id := range ids {
				if history.household[id] == h.HouseholdID {
					members = append(members, id)
				}
			}
			want := history.evidence(members, "person", "social_insurance", "employment", "health", "asset")
			var have []string
			for _, e := range got.Evidence {
				have = append(have, fmt.Sprintf("%s|%s|%s|%d", e.Dataset, e.Source, e.RecordKey, e.SourceTime.Unix()))
			}
			sort.Strings(have)
			if strings.Join(have, "\n") != strings.Join(want, "\n") {
				problems = append(problems, fmt.Sprintf("evidence\n%s\nhistory tables\n%s", strings.Join(have, "\n"), strings.Join(want, "\n")))
			}
			if len(problems) > 0 {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("household %s (%s), missing %v:\n%s", h.HouseholdID, h.Archetype, got.Missing, strings.Join(problems, "\n"))
				}
			}
		}
		if mismatches > 0 {
			t.Errorf("%d of %d households answered differently from the truth or the history tables", mismatches, len(truth.Households))
		}
	})

	t.Run("hotline pushes tickets", func(t *testing.T) {
		head := truth.Residents[0]
		body := []map[string]string{
			{"工单编号": "T-1", "来电人身份证号": head.IDNumber, "受理时间": "2026-11-20 09:30:00", "社区编码": "110105001001", "诉求类别": "供暖", "诉求内容": "暖气不热", "办理状态": "办理中"},
			{"工单编号": "T-2", "受理时间": "2026年11月21日 10:00", "诉求类别": "环境", "诉求内容": "垃圾清运", "办理状态": "已办结"},
			{"工单编号": "", "受理时间": "2026-11-22 10:00:00"}, // no key: rejected, dead-lettered
		}
		var got struct {
			Accepted int `json:"accepted"`
			Rejected []struct {
				Line   int    `json:"line"`
				Reason string `json:"reason"`
			} `json:"rejected"`
		}
		status := call(ctx, t, http.MethodPost, base+"/v1/sources/hotline/records", "demo-department-key", body, &got)
		if status != http.StatusMultiStatus {
			t.Fatalf("push status %d, want 207", status)
		}
		if got.Accepted != 2 || len(got.Rejected) != 1 || got.Rejected[0].Line != 3 {
			t.Fatalf("push answer %+v", got)
		}
		if status := call(ctx, t, http.MethodPost, base+"/v1/sources/hukou/records", "demo-department-key", body, nil); status != http.StatusNotFound {
			t.Errorf("push to a file source: status %d, want 404", status)
		}
		if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		counts, err := store.CurrentRowCounts(ctx, hub.clickhouse.conn, cfg.ClickHouse)
		if err != nil {
			t.Fatal(err)
		}
		// The two pushed tickets beside the hotline export's.
		if want := uint64(truth.Counts["hotline_ticket"].Current) + 2; counts["hotline_ticket"] != want {
			t.Errorf("hotline_ticket has %d current rows, want %d (the export's and 2 pushed)", counts["hotline_ticket"], want)
		}
		dead, err := bus.CountDeadLetters(ctx, hub.kafka.brokers, sourceNames(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if dead["hotline"] != 1 {
			t.Errorf("dlq.hotline holds %d, want 1", dead["hotline"])
		}
	})

	t.Run("graceful shutdown", func(t *testing.T) {
		stopped = true
		shutdownCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := hub.Shutdown(shutdownCtx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("logs name no resident", func(t *testing.T) {
		text := logs.String()
		if len(text) == 0 {
			t.Fatal("the hub logged nothing")
		}
		for _, r := range truth.Residents {
			if strings.Contains(text, r.IDNumber) || strings.Contains(text, r.IDNumber[:6]+r.IDNumber[8:17]) {
				t.Fatalf("the log contains a full ID number (resident %s)", r.HouseholdID)
			}
			if len([]rune(r.Name)) >= 2 && strings.Contains(text, r.Name) {
				t.Fatalf("the log contains a full name (resident of household %s)", r.HouseholdID)
			}
		}
	})
}

// lockedBuffer is an io.Writer safe for the hub's concurrent loggers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// call sends a request with an API key and a purpose and decodes the JSON answer.
func call(ctx context.Context, t *testing.T, method, url, key string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Purpose", "end-to-end test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusMultiStatus) && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// demoHubConfig is deploy/demo/residenthub.yaml for a hub run under root
// (extracts in root/var/demo): its paths, relative to deploy/demo, re-rooted
// in root, fresh loopback ports and fresh databases.
func demoHubConfig(t *testing.T, root string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "deploy", "demo", "residenthub.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Sources {
		cfg.Sources[i].BaseDir = filepath.Join(root, "deploy", "demo")
	}
	cfg.DataDir = filepath.Join(root, "var", "hub")
	cfg.Kafka.EmbeddedListen = "127.0.0.1:0"
	cfg.HTTP.Listen = "127.0.0.1:0"
	_, cfg.ClickHouse = storetest.New(t)
	cfg.Pipelines.Linger = 200 * time.Millisecond
	// The hotline counts are computed again a second after the tickets
	// change, so the tests read them moments after the load.
	cfg.Hotline.Refresh = time.Second
	return cfg
}

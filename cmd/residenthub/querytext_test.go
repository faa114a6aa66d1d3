package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestNoPersonalDataVisibleToAnotherClickHouseUser runs a hub on a ClickHouse
// of its own, set up as deploy/local sets it up, and while the hub loads a
// demo district, takes pushes (identity look-ups against loaded rows) and
// answers checks, profiles and certificates, the read-only analyst — a
// second, real ClickHouse user — polls system.processes, where ClickHouse
// shows every user's running queries. No query text the analyst saw may hold
// an ID number (18 or 15 digits, upper or lower x), a name or a phone of the
// district.
func TestNoPersonalDataVisibleToAnotherClickHouseUser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := t.TempDir()
	truth, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "var", "demo"), Seed: 23, Households: 150})
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoHubConfig(t, root)
	var analyst config.ClickHouse
	srv := storetest.Private(t)
	cfg.ClickHouse, analyst = srv.Hub, srv.Analyst
	addCivilAffairs(t, cfg)

	watcher, err := store.OpenIn(ctx, analyst, "analytics")
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	seen := map[string]bool{}
	var (
		mu      sync.Mutex
		polls   int
		pollErr error
	)
	pollCtx, stopPolling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for pollCtx.Err() == nil {
			rows, err := watcher.Query(pollCtx, "SELECT query FROM system.processes WHERE user != 'analyst'")
			if err != nil {
				if pollCtx.Err() == nil {
					mu.Lock()
					pollErr = err
					mu.Unlock()
				}
				return
			}
			var texts []string
			for rows.Next() {
				var q string
				if err := rows.Scan(&q); err == nil {
					texts = append(texts, q)
				}
			}
			rows.Close()
			mu.Lock()
			polls++
			for _, q := range texts {
				seen[q] = true
			}
			mu.Unlock()
		}
	})

	hub, err := startHub(ctx, cfg, map[string]bool{"connectors": true, "pipelines": true, "api": true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Shutdown(context.Background()) }()
	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	base := "http://" + hub.api.addr
	pushCivilAffairs(ctx, t, base, truth)
	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, h := range truth.Households {
		for _, r := range truth.Residents {
			if r.IDNumber != h.ApplicantID {
				continue
			}
			req := map[string]string{"program": "dibao", "id_number": r.IDNumber, "name": r.Name}
			if status := call(ctx, t, http.MethodPost, base+"/v1/checks", "demo-caseworker-key", req, nil); status != http.StatusOK {
				t.Fatalf("check: status %d", status)
			}
		}
	}
	for i, r := range truth.Residents {
		if status := call(ctx, t, http.MethodGet, base+"/v1/residents/"+r.IDNumber, "demo-caseworker-key", nil, nil); status != http.StatusOK {
			t.Fatalf("profile: status %d", status)
		}
		if i%10 == 0 {
			_ = call(ctx, t, http.MethodGet, base+"/v1/residents/"+r.IDNumber+"/certificates/residence?as_of="+truth.AsOf, "demo-caseworker-key", nil, nil)
		}
	}
	stopPolling()
	wg.Wait()
	if pollErr != nil {
		t.Fatalf("the analyst cannot read system.processes: %v", pollErr)
	}

	// The analyst did watch the hub at work: the read side's point reads and
	// the pipelines' inserts were among the queries seen.
	var reads, inserts int
	for q := range seen {
		if strings.Contains(q, "profile_rows") {
			reads++
		}
		if strings.HasPrefix(strings.TrimSpace(q), "INSERT") {
			inserts++
		}
	}
	t.Logf("%d polls of system.processes saw %d distinct query texts of the hub (%d point reads, %d inserts)", polls, len(seen), reads, inserts)
	if reads == 0 || inserts == 0 {
		t.Fatalf("the analyst saw %d point reads and %d inserts in %d polls: the test watched nothing", reads, inserts, polls)
	}
	var secrets []string
	for _, r := range truth.Residents {
		id := r.IDNumber
		secrets = append(secrets, id, strings.ToLower(id), id[:6]+id[8:17], r.Name)
		if r.Phone != "" {
			secrets = append(secrets, r.Phone)
		}
	}
	for q := range seen {
		for _, s := range secrets {
			if strings.Contains(q, s) {
				t.Errorf("the analyst read %q in the hub's query text:\n%s", s, q)
				break
			}
		}
	}
}

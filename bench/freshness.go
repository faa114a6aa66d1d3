package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/residenthub/residenthub/schema"
)

// changeTimeout is how long one change may take to show before it counts
// as timed out.
const changeTimeout = 60 * time.Second

// freshness measures how long a department's change takes to show in a
// resident's profile: o.Pushes residence records pushed to the push source
// one after the other, then o.SQLChanges rows inserted into the PostgreSQL
// table the sql source pulls every second. Each is polled (GET
// /v1/residents/{id} as the caseworker, back to back) until the profile
// lists the new address; the time is from the push (insert) to the first
// answer that shows it.
func (r *run) freshness(ctx context.Context) error {
	o := r.o
	f := &Fresh{LingerMs: float64(r.cfg.Pipelines.Linger.Milliseconds()), SQLScheduleMs: 1000}
	r.res.Freshness = f
	client := newHTTPClient(4)
	res := r.sample.residents

	o.logf("freshness: %d pushes to %s, each polled until the profile shows it", o.Pushes, pushSource)
	var push []time.Duration
	for i := range o.Pushes {
		p := res[(i*7919)%len(res)]
		addr := fmt.Sprintf("北京市朝阳区测试路%d号 bench %s push %d", i+1, r.id, i+1)
		t0 := time.Now()
		if err := r.push(client, p, fmt.Sprintf("bench-%s-%d", r.id, i+1), addr); err != nil {
			return err
		}
		d, err := r.untilShown(ctx, client, p, addr, t0)
		if err != nil {
			return err
		}
		if d < 0 {
			if i == 0 {
				return fmt.Errorf("freshness: the first push to %s did not show in the profile within %s (hub log: %s)", pushSource, changeTimeout, r.hub.logPath)
			}
			f.PushTimeouts++
			continue
		}
		push = append(push, d)
	}
	f.Pushes = o.Pushes
	f.PushP50Ms, f.PushP99Ms, f.PushMaxMs = percentile(push, 50), percentile(push, 99), percentile(push, 100)
	o.logf("freshness: push p50 %.0f ms, p99 %.0f ms, %d timeouts", f.PushP50Ms, f.PushP99Ms, f.PushTimeouts)

	o.logf("freshness: %d rows inserted into PostgreSQL %s, pulled by %s", o.SQLChanges, r.pgTable, sqlSource)
	pg, err := pgx.Connect(ctx, o.Postgres)
	if err != nil {
		return fmt.Errorf("freshness: cannot connect to PostgreSQL: %w", err)
	}
	defer pg.Close(context.Background())
	var pulled []time.Duration
	for i := range o.SQLChanges {
		p := res[(i*104729+13)%len(res)]
		addr := fmt.Sprintf("北京市朝阳区测试路%d号 bench %s sql %d", i+1, r.id, i+1)
		t0 := time.Now()
		if _, err := pg.Exec(ctx, "INSERT INTO "+r.pgTable+" (reg_no, id_number, address, evidence_kind) VALUES ($1, $2, $3, 'access_control')",
			fmt.Sprintf("bench-%s-sql-%d", r.id, i+1), p.id, addr); err != nil {
			return fmt.Errorf("freshness: cannot insert into PostgreSQL: %w", err)
		}
		d, err := r.untilShown(ctx, client, p, addr, t0)
		if err != nil {
			return err
		}
		if d < 0 {
			if i == 0 {
				return fmt.Errorf("freshness: the first row inserted into %s did not show in the profile within %s (hub log: %s)", r.pgTable, changeTimeout, r.hub.logPath)
			}
			f.SQLTimeouts++
			continue
		}
		pulled = append(pulled, d)
	}
	f.SQLChanges = o.SQLChanges
	f.SQLP50Ms, f.SQLP99Ms, f.SQLMaxMs = percentile(pulled, 50), percentile(pulled, 99), percentile(pulled, 100)
	f.PushP50VsFloor = ratio(f.PushP50Ms, f.LingerMs)
	f.SQLFloorMs = f.LingerMs + f.SQLScheduleMs/2
	f.SQLP50VsFloor = ratio(f.SQLP50Ms, f.SQLFloorMs)
	o.logf("freshness: sql p50 %.0f ms, p99 %.0f ms, %d timeouts", f.SQLP50Ms, f.SQLP99Ms, f.SQLTimeouts)
	return nil
}

// push sends one residence record for p to the push source and wants it
// accepted.
func (r *run) push(c *http.Client, p person, regNo, addr string) error {
	rec := map[string]string{"证件号码": p.id, "登记编号": regNo, "居住地址": addr, "登记类型": "门禁登记",
		"登记时间": time.Now().In(schema.ChinaTime).Format(time.DateTime)}
	body, _ := json.Marshal([]any{rec})
	req, _ := http.NewRequest("POST", r.apiURL+"/v1/sources/"+pushSource+"/records", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.keys.department)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("freshness: cannot push: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("freshness: push answered %d: %s", resp.StatusCode, b)
	}
	return nil
}

// untilShown polls p's profile until a residence has address, and returns
// the time since t0 of the first answer showing it; -1 after changeTimeout.
func (r *run) untilShown(ctx context.Context, c *http.Client, p person, addr string, t0 time.Time) (time.Duration, error) {
	for time.Since(t0) < changeTimeout {
		req, _ := http.NewRequestWithContext(ctx, "GET", r.apiURL+"/v1/residents/"+p.id, nil)
		resp, err := c.Do(r.authorize(req, r.keys.caseworker))
		if err != nil {
			return 0, fmt.Errorf("freshness: cannot read a profile: %w", err)
		}
		var view struct {
			Residences []struct {
				Address string `json:"address"`
			} `json:"residences"`
		}
		err = json.NewDecoder(resp.Body).Decode(&view)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return 0, fmt.Errorf("freshness: profile answered %d (%v)", resp.StatusCode, err)
		}
		for _, res := range view.Residences {
			if res.Address == addr {
				return time.Since(t0), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return -1, nil
}

package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuShare is the CPU a closed-loop load cost, per answered request, by
// process: the hub under test, the ClickHouse server (when the bench
// started it and knows its pid; 0 otherwise) and the bench itself (its
// HTTP clients: the load generator). On the 2-core machine all three
// share the cores, so their sum bounds the checks per second.
type cpuShare struct {
	HubMs        float64 `json:"hub_cpu_ms_per_request"`
	ClickHouseMs float64 `json:"clickhouse_cpu_ms_per_request"`
	BenchMs      float64 `json:"bench_cpu_ms_per_request"`
}

// cpuMeter reads the three processes' CPU seconds before and after a load.
type cpuMeter struct {
	hubPID, chPID int
}

type cpuSample struct{ hub, ch, bench float64 }

// clickhousePID is the pid of the ClickHouse the bench started (its
// pidfile under Dir/clickhouse), 0 when it uses a running server.
func (o *Options) clickhousePID() int {
	if o.ClickHouse != "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(o.Dir, "clickhouse", "clickhouse.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

func (m cpuMeter) sample() cpuSample {
	var s cpuSample
	if u, err := procUsage(m.hubPID); err == nil {
		s.hub = u.CPU
	}
	if m.chPID > 0 {
		if u, err := procUsage(m.chPID); err == nil {
			s.ch = u.CPU
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return s
}

// share divides the CPU spent between a and b over n requests.
func share(a, b cpuSample, n int) cpuShare {
	if n <= 0 {
		return cpuShare{}
	}
	per := func(x, y float64) float64 { return (y - x) * 1000 / float64(n) }
	return cpuShare{HubMs: per(a.hub, b.hub), ClickHouseMs: per(a.ch, b.ch), BenchMs: per(a.bench, b.bench)}
}

// profileLoad writes CPU profiles of the bench process (the load
// generator) and of the hub (through its RESIDENTHUB_PPROF listener at
// pprofAddr) over d, into dir as bench-<name>.pprof and hub-<name>.pprof;
// it returns when both are written. Errors are logged, never fatal: the
// profiles are an aid, not a figure.
func (o *Options) profileLoad(ctx context.Context, dir, name, pprofAddr string, d time.Duration) func() {
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		o.logf("profile: %v", err)
		return func() {}
	}
	own, err := os.Create(filepath.Join(dir, "bench-"+name+".pprof"))
	if err == nil {
		err = pprof.StartCPUProfile(own)
	}
	if err != nil {
		o.logf("profile: cannot profile the bench: %v", err)
		own = nil
	}
	waitHub := o.profileHub(ctx, dir, name, pprofAddr, d)
	return func() {
		if own != nil {
			pprof.StopCPUProfile()
			own.Close()
		}
		waitHub()
	}
}

// pprofListener picks a loopback address for a hub's RESIDENTHUB_PPROF
// listener when -profile is given, and the environment that sets it; ""
// and none otherwise.
func (o *Options) pprofListener() (addr string, env []string, err error) {
	if o.Profile == "" {
		return "", nil, nil
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	return addr, []string{"RESIDENTHUB_PPROF=" + addr}, nil
}

// ingestProfileWindow is how long, from its start, the hub is profiled in
// the end-to-end and the pipelines-only ingest (with -profile): long enough
// for the steady state, short enough to end before a 1M-resident load does.
const ingestProfileWindow = 90 * time.Second

// profileHub writes a CPU profile of the hub (through its RESIDENTHUB_PPROF
// listener at pprofAddr) over d, starting now, into dir as
// hub-<name>.pprof, then a heap profile as hub-<name>.heap.pprof; the
// returned func waits until both are written (or ctx ends). Errors are
// logged, never fatal.
func (o *Options) profileHub(ctx context.Context, dir, name, pprofAddr string, d time.Duration) func() {
	if dir == "" || pprofAddr == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		o.logf("profile: %v", err)
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A hub just started listens a moment later.
		for wait := time.Now().Add(15 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
			if c, err := net.DialTimeout("tcp", pprofAddr, time.Second); err == nil {
				c.Close()
				break
			}
		}
		secs := max(1, int(d.Seconds())-1)
		o.savePprof(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs), filepath.Join(dir, "hub-"+name+".pprof"))
		// What is live at the end of the window (after a collection): what
		// the collector marks on each cycle.
		o.savePprof(ctx, fmt.Sprintf("http://%s/debug/pprof/heap?gc=1", pprofAddr), filepath.Join(dir, "hub-"+name+".heap.pprof"))
	}()
	return func() { <-done }
}

// savePprof writes what the pprof endpoint url answers into path. Errors
// are logged, never fatal.
func (o *Options) savePprof(ctx context.Context, url, path string) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		o.logf("profile: %v", err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.logf("profile: cannot profile the hub: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		o.logf("profile: cannot profile the hub: %s answered %s", url, resp.Status)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		o.logf("profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		o.logf("profile: cannot save %s: %v", path, err)
	}
}

package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// hubProc is one `residenthub run` subprocess of the hub under test.
type hubProc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{}
	err     error // set when done is closed
}

// startHub starts `bin run -config cfg -roles roles` with its output in
// logPath.
func startHub(bin, cfg, roles, logPath, name string) (*hubProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("cannot create hub log: %w", err)
	}
	cmd := exec.Command(bin, "run", "-config", cfg, "-roles", roles, "-log-format", "json")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = filepath.Dir(cfg)
	p := &hubProc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("cannot start hub %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// exited returns an error with the end of the hub's log once the process
// has stopped, nil while it runs.
func (p *hubProc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("hub %s exited (%v); last log lines:\n%s", p.name, p.err, tail(p.logPath, 15))
	default:
		return nil
	}
}

// stop sends SIGTERM and waits for the process (the hub shuts down within
// 60 s); after 90 s it is killed.
func (p *hubProc) stop() error {
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("hub %s stopped with %v; last log lines:\n%s", p.name, p.err, tail(p.logPath, 10))
		}
		return nil
	case <-time.After(90 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("hub %s did not stop within 90 s; killed", p.name)
	}
}

// usage is what the kernel accounts for a process so far.
type usage struct {
	PeakRSS int64   // VmHWM, bytes
	CPU     float64 // user + system CPU seconds
}

// procUsage reads /proc/<pid>/status (VmHWM) and /proc/<pid>/stat (utime,
// stime) of a running process.
func procUsage(pid int) (usage, error) {
	var u usage
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("cannot read process status: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return u, fmt.Errorf("cannot read VmHWM %q: %w", rest, err)
			}
			u.PeakRSS = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("cannot read process stat: %w", err)
	}
	// Fields after the command name (which may hold spaces) in parentheses:
	// state is field 3, utime and stime fields 14 and 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return u, errors.New("cannot parse /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return u, errors.New("cannot parse /proc stat: too few fields")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return u, fmt.Errorf("cannot parse /proc stat: %w", err)
	}
	u.CPU = float64(utime+stime) / clockTicks
	return u, nil
}

// usage reads the hub's counters.
func (p *hubProc) usage() (usage, error) { return procUsage(p.cmd.Process.Pid) }

// waitHTTP polls url until it answers 200, the process exits or ctx ends.
func (p *hubProc) waitHTTP(ctx context.Context, url string) error {
	for {
		if err := p.exited(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hub %s: %s did not answer 200: %w", p.name, url, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePort returns a loopback TCP port nothing listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return firstErrors(string(b), 5) + lastLines(string(b), n)
}

// firstErrors returns the first n ERROR lines of a JSON log, each ending in
// a newline, under a heading: the cause of a hub's failure, which the
// shutdown's own complaints push out of the last lines.
func firstErrors(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
			if len(out) == n {
				break
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "first errors:\n" + strings.Join(out, "\n") + "\nlast lines:\n"
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadAvg returns the 1-minute load average (/proc/loadavg).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// memTotal returns the machine's memory in bytes (/proc/meminfo MemTotal).
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

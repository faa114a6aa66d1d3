package main

// Alarms: faults an operator must see and handle. Each is a text file under
// data_dir/alarms (so they outlive a restart and `residenthub report` on
// the machine sees them); while one is open /readyz answers not ready and
// report exits non-zero. `residenthub ack-alarms` moves them to
// data_dir/alarms/acknowledged once the operator handled them.

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
)

// alarm is one open alarm file.
type alarm struct {
	file string // name under data_dir/alarms
	text string
}

func alarmDir(dataDir string) string { return filepath.Join(dataDir, "alarms") }

// raiseAlarm writes an alarm of kind (a word) with text (no personal data).
func raiseAlarm(dataDir, kind, text string) error {
	dir := alarmDir(dataDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot raise alarm: %w", err)
	}
	now := time.Now().UTC()
	name := fmt.Sprintf("%s-%d-%s.txt", now.Format("20060102T150405Z"), now.UnixNano()%1e9, kind)
	body := now.Format(time.RFC3339) + " " + text + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o640); err != nil {
		return fmt.Errorf("cannot raise alarm: %w", err)
	}
	return nil
}

// openAlarms lists the alarms not acknowledged yet, oldest first.
func openAlarms(dataDir string) ([]alarm, error) {
	entries, err := os.ReadDir(alarmDir(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read alarms: %w", err)
	}
	var out []alarm
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(alarmDir(dataDir), e.Name()))
		if err != nil {
			return nil, fmt.Errorf("cannot read alarms: %w", err)
		}
		out = append(out, alarm{file: e.Name(), text: strings.TrimSpace(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out, nil
}

// alarmsError is nil without open alarms, else an error listing them.
func alarmsError(dataDir string) error {
	open, err := openAlarms(dataDir)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		return nil
	}
	texts := make([]string, len(open))
	for i, a := range open {
		texts[i] = a.text
	}
	return fmt.Errorf("%d open alarm(s), acknowledge with `residenthub ack-alarms` once handled: %s", len(open), strings.Join(texts, "; "))
}

// cmdAckAlarms is `residenthub ack-alarms`: it prints the open alarms and
// moves them to data_dir/alarms/acknowledged.
func cmdAckAlarms(args []string) error {
	fs := flag.NewFlagSet("ack-alarms", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	open, err := openAlarms(cfg.DataDir)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		fmt.Println("no open alarms")
		return nil
	}
	done := filepath.Join(alarmDir(cfg.DataDir), "acknowledged")
	if err := os.MkdirAll(done, 0o750); err != nil {
		return fmt.Errorf("cannot acknowledge alarms: %w", err)
	}
	for _, a := range open {
		if err := os.Rename(filepath.Join(alarmDir(cfg.DataDir), a.file), filepath.Join(done, a.file)); err != nil {
			return fmt.Errorf("cannot acknowledge alarms: %w", err)
		}
		fmt.Println("acknowledged:", a.text)
	}
	return nil
}

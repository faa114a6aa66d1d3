package bench

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/config"
	"gopkg.in/yaml.v3"
)

// TestConfigWithoutDefaults: the hub config the bench writes leaves out
// what equals the defaults (so an older -binary, which refuses keys it
// does not know, can read it) and keeps everything else.
func TestConfigWithoutDefaults(t *testing.T) {
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:1"
	cfg.ClickHouse.Database = "bench_x"
	b, err := withoutDefaults(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, gone := range []string{"read_cache", "read_queries", "max_in_flight"} {
		if strings.Contains(text, gone) {
			t.Errorf("%s (a default) was written:\n%s", gone, text)
		}
	}
	back := config.Default()
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.HTTP.Listen != cfg.HTTP.Listen || back.ClickHouse.Database != cfg.ClickHouse.Database || back.ClickHouse.ReadCache != cfg.ClickHouse.ReadCache {
		t.Errorf("read back %+v %+v", back.HTTP, back.ClickHouse)
	}
}

// TestLockDirOneRunAtATime: a second run on the same folder is refused
// while the first holds it, and gets it once the first let go.
func TestLockDirOneRunAtATime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clickhouse")
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(dir); err == nil || !strings.Contains(err.Error(), "another bench is using the ClickHouse in "+dir) {
		t.Fatalf("second lock of a held folder: %v", err)
	}
	unlock()
	unlock2, err := lockDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

package bench

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Cluster holds the figures of `residenthub bench -cluster ADDRS`: the run's
// raw topics loaded by a pipelines-only hub into the replicated, sharded
// ClickHouse cluster (deploy/local/cluster.sh), and dibao checks answered by
// an API process reading the cluster, beside the same figures on the single
// server in the same run (parts ingest and checks). The cluster's servers
// share this machine, so the ratios are the cluster's overhead, not a
// speed-up.
type Cluster struct {
	Addr string `json:"addr"`
	Name string `json:"name"`

	PipelinesOnlySeconds float64 `json:"pipelines_only_s"`
	PipelinesOnlyPerS    float64 `json:"pipelines_only_per_s"` // raw messages / pipelines_only_s
	// PipelinesOnlyVsSingle is PipelinesOnlyPerS over the single server's
	// pipelines_only_per_s (0 without the ingest part).
	PipelinesOnlyVsSingle float64 `json:"pipelines_only_vs_single"`

	Dibao Load `json:"dibao"`
	// DibaoP50VsSingle and DibaoPerSVsSingle compare with the single
	// server's dibao load of the same clients (0 without the checks part).
	DibaoP50VsSingle  float64 `json:"dibao_p50_vs_single"`
	DibaoPerSVsSingle float64 `json:"dibao_per_s_vs_single"`
}

// cluster runs the cluster part (Options.Cluster set): migrate fresh
// databases on the cluster, hub C (pipelines) reads hub A's raw topics into
// them until its group has no lag, then hub D (api) answers dibao checks
// from them for Options.Duration with Options.Clients clients. The
// databases are dropped ON CLUSTER at the end unless Keep.
func (r *run) cluster(ctx context.Context) (err error) {
	o := r.o
	ch := clickhouseConfig(o.Cluster, "bench_"+r.id+"_cluster")
	ch.Cluster = o.ClusterName
	res := &Cluster{Addr: o.Cluster, Name: o.ClusterName}
	r.res.Cluster = res
	conn, err := store.Open(ctx, ch)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer func() {
		if !o.Keep {
			for _, db := range []string{ch.AnalyticsDatabase, ch.Database} {
				if derr := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+store.QuoteIdent(db)+" ON CLUSTER "+ch.Cluster); derr != nil && err == nil {
					err = fmt.Errorf("cannot drop database %s on the cluster: %w", db, derr)
				}
			}
		}
		conn.Close()
	}()
	if _, err := store.Migrate(ctx, conn, ch); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}

	cfg, path, err := r.clusterConfig(ch, "cluster-pipelines", "bench-"+r.id+"-cluster")
	if err != nil {
		return err
	}
	raw, err := topicMessages(ctx, r.brokers, r.topics)
	if err != nil {
		return err
	}
	o.logf("cluster: hub C (pipelines) reading hub A's %d raw messages into %s on cluster %s", raw, ch.Database, ch.Cluster)
	c, err := startHub(o.Binary, path, "pipelines", filepath.Join(r.work, "hub-c.log"), "C")
	if err != nil {
		return err
	}
	defer c.stop()
	var topics []string
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name))
	}
	done, err := waitLoaded(ctx, c, cfg, r.brokers, cfg.Pipelines.GroupID, topics, false, o, loadTimeout(raw))
	if err != nil {
		return err
	}
	res.PipelinesOnlySeconds = done.Sub(c.started).Seconds()
	res.PipelinesOnlyPerS = float64(raw) / res.PipelinesOnlySeconds
	if in := r.res.Ingest; in != nil && in.PipelinesOnlyPerS > 0 {
		res.PipelinesOnlyVsSingle = res.PipelinesOnlyPerS / in.PipelinesOnlyPerS
	}
	o.logf("cluster: pipelines only %.1f s, %.0f messages/s", res.PipelinesOnlySeconds, res.PipelinesOnlyPerS)
	if err := c.stop(); err != nil {
		return err
	}

	_, apiPath, err := r.clusterConfig(ch, "cluster-api", "bench-"+r.id+"-cluster-api")
	if err != nil {
		return err
	}
	apiCfg, err := config.Load(apiPath)
	if err != nil {
		return err
	}
	d, err := startHub(o.Binary, apiPath, "api", filepath.Join(r.work, "hub-d.log"), "D")
	if err != nil {
		return err
	}
	defer d.stop()
	url := "http://" + apiCfg.HTTP.Listen
	if err := d.waitHTTP(ctx, url+"/readyz"); err != nil {
		return err
	}
	// The single server's request builders, aimed at hub D.
	single := r.apiURL
	r.apiURL = url
	defer func() { r.apiURL = single }()
	client := newHTTPClient(o.Clients + 4)
	if err := expectOK(client, r.dibaoRequest(0)); err != nil {
		return fmt.Errorf("cluster: dibao check: %w", err)
	}
	o.logf("cluster: POST /v1/checks dibao, %d clients, %s", o.Clients, o.Duration)
	res.Dibao = closedLoop(ctx, client, "POST /v1/checks dibao (cluster)", o.Clients, o.Duration, r.dibaoRequest)
	if ck := r.res.Checks; ck != nil && ck.Dibao.P50Ms > 0 && ck.Dibao.PerS > 0 {
		res.DibaoP50VsSingle, res.DibaoPerSVsSingle = res.Dibao.P50Ms/ck.Dibao.P50Ms, res.Dibao.PerS/ck.Dibao.PerS
	}
	o.logf("cluster: %.1f/s, p50 %.0f ms, p99 %.0f ms, %d errors", res.Dibao.PerS, res.Dibao.P50Ms, res.Dibao.P99Ms, res.Dibao.Errors)
	return d.stop()
}

// clusterConfig writes the config of a hub process reading hub A's broker
// into the cluster databases ch, with its own consumer group.
func (r *run) clusterConfig(ch config.ClickHouse, name, group string) (*config.Config, string, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	hc := hubConfig{path: filepath.Join(r.work, "deploy", "demo", name+".yaml"), dataDir: filepath.Join(r.work, "var", name),
		brokers: r.brokers, kafkaPort: 1, httpPort: httpPort, clickhouse: ch, groupID: group}
	cfg, err := writeConfig(r.o, hc, r.keys)
	return cfg, hc.path, err
}

// printCluster adds the cluster part's rows to the table of Print.
func printCluster(row func(...string), c *Cluster) {
	if c == nil {
		return
	}
	row("cluster "+c.Name+": ingest, pipelines only", num(c.PipelinesOnlyPerS)+" msgs/s", "single server, same run", frac(c.PipelinesOnlyVsSingle))
	row("cluster "+c.Name+": "+c.Dibao.Request, fmt.Sprintf("%s/s, p50 %s, p99 %s ms%s", num(c.Dibao.PerS), ms(c.Dibao.P50Ms), ms(c.Dibao.P99Ms), statuses(c.Dibao.Statuses, false)),
		"single server, same run", "p50 ×"+times(c.DibaoP50VsSingle)+", per s "+frac(c.DibaoPerSVsSingle))
}

package bench

import "time"

// Result is the JSON file `residenthub bench` writes (-out). Rates are per
// second of wall time, latencies in milliseconds, sizes in bytes; every
// figure sits beside the floor measured in the same run (the *_vs_* ratios).
type Result struct {
	RunID      string    `json:"run_id"` // names the run's databases (bench_<id>*) and work folder (run-<id>)
	Date       time.Time `json:"date"`   // start of the run, UTC
	Residents  int       `json:"residents"`
	Households int       `json:"households"`
	Seed       int64     `json:"seed"`
	Parts      []string  `json:"parts"`
	Machine    Machine   `json:"machine"`
	District   District  `json:"district"`
	Ingest     *Ingest   `json:"ingest,omitempty"`
	Crash      *Crash    `json:"crash,omitempty"` // bench/crash.go
	Checks     *Checks   `json:"checks,omitempty"`
	Freshness  *Fresh    `json:"freshness,omitempty"`
	GoBench    []GoBench `json:"gobench,omitempty"`
	Cluster    *Cluster  `json:"cluster,omitempty"` // -cluster (bench/cluster.go)
	Hotline    *Hotline  `json:"hotline,omitempty"` // bench/hotline.go
	Seconds    float64   `json:"seconds"`           // the whole run
}

// Machine is where the run happened. The load averages say how busy the
// (possibly shared) machine was; the ratios to same-run floors are what to
// compare between runs.
type Machine struct {
	Cores        int     `json:"cores"`
	LoadAvgStart float64 `json:"load_avg_start"`
	LoadAvgEnd   float64 `json:"load_avg_end"`
	// LoadAvgSteps is the 1-minute load average at the end of each step
	// (generate, end_to_end, pipelines_only, peer, floor_insert, checks,
	// freshness): how busy the machine was while it was measured.
	LoadAvgSteps      map[string]float64 `json:"load_avg_steps"`
	MemoryBytes       int64              `json:"memory_bytes"`
	GoVersion         string             `json:"go_version"`
	ClickHouseVersion string             `json:"clickhouse_version"`
}

// District is the generated district.
type District struct {
	Files          int     `json:"files"`
	Bytes          int64   `json:"bytes"`
	Records        int64   `json:"records"` // data rows in the extracts, duplicates and invalid ones included
	Invalid        int     `json:"invalid"`
	GenerateSecond float64 `json:"generate_s"`
}

// Ingest is the ingest part: the hub end to end and pipelines alone,
// beside ClickHouse's bulk insert of the same rows and ClickHouse's own
// Kafka engine reading the same raw topics.
type Ingest struct {
	Records     int64 `json:"records"`      // data rows of the extracts
	RawMessages int64 `json:"raw_messages"` // messages on the raw topics after loading
	Rows        int64 `json:"rows"`         // rows in the six dataset tables after loading

	EndToEndSeconds float64 `json:"end_to_end_s"`
	EndToEndPerS    float64 `json:"end_to_end_per_s"` // records / end_to_end_s
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`   // hub process, VmHWM at the end of loading
	CPUSeconds      float64 `json:"cpu_s"`            // hub process, user + system
	CPUSPerMillion  float64 `json:"cpu_s_per_million"`
	// Sources is every file source's own end-to-end rate in the same load.
	Sources []SourceRate `json:"sources,omitempty"`

	PipelinesOnlySeconds        float64 `json:"pipelines_only_s"`
	PipelinesOnlyPerS           float64 `json:"pipelines_only_per_s"` // raw_messages / pipelines_only_s
	PipelinesOnlyPeakRSSBytes   int64   `json:"pipelines_only_peak_rss_bytes"`
	PipelinesOnlyCPUSPerMillion float64 `json:"pipelines_only_cpu_s_per_million"`
	// What the pipelines-only load cost ClickHouse, from hub B's start until
	// the merges it caused were done: the server's CPU seconds per million
	// messages (0 when the bench did not start the server), and the rows
	// its MergeTree tables wrote in new parts (every table a message lands
	// in: the dataset, the materialized views' tables, the bookkeeping) and
	// merged, per message (system.events MergeTreeDataWriterRows,
	// MergedRows). On the 2-core machine the hub and the server share the
	// cores, so these say where the pipelines' time goes.
	PipelinesOnlyClickHouseCPUSPerMillion float64 `json:"pipelines_only_clickhouse_cpu_s_per_million"`
	PipelinesOnlyRowsWrittenPerMessage    float64 `json:"pipelines_only_rows_written_per_message"`
	PipelinesOnlyRowsMergedPerMessage     float64 `json:"pipelines_only_rows_merged_per_message"`

	FloorInsertRows     int64   `json:"floor_insert_rows"`
	FloorInsertSeconds  float64 `json:"floor_insert_s"`
	FloorInsertRowsPerS float64 `json:"floor_insert_rows_per_s"`
	FloorBatchRows      int     `json:"floor_batch_rows"`

	PeerMessages        int64   `json:"peer_messages"`
	PeerSeconds         float64 `json:"peer_s"`
	PeerKafkaEnginePerS float64 `json:"peer_kafka_engine_per_s"`

	EndToEndVsFloor      float64 `json:"end_to_end_vs_floor"`     // end_to_end_per_s / floor_insert_rows_per_s
	PipelinesOnlyVsFloor float64 `json:"pipelines_only_vs_floor"` // pipelines_only_per_s / floor_insert_rows_per_s
	PipelinesOnlyVsPeer  float64 `json:"pipelines_only_vs_peer"`  // pipelines_only_per_s / peer_kafka_engine_per_s
	EndToEndVsPeer       float64 `json:"end_to_end_vs_peer"`      // end_to_end_per_s / peer_kafka_engine_per_s
}

// SourceRate is one file source's end-to-end rate while hub A loads the
// district: its records (loaded and rejected, by the connector or the
// pipelines) over the time from hub A's start until the pipelines committed
// the source's last batch (GET /v1/sources: last_loaded_at). The sources
// share the hub and ClickHouse, so a source's rate is what it got beside the
// others, not what it would get alone.
type SourceRate struct {
	Source  string  `json:"source"`
	Format  string  `json:"format"` // csv, json, jsonl, xlsx ("" when its pattern does not tell)
	Records int64   `json:"records"`
	Seconds float64 `json:"s"`
	PerS    float64 `json:"per_s"`
}

// Checks is the checks part: closed-loop HTTP clients against the loaded
// district, beside one ClickHouse primary-key lookup.
type Checks struct {
	Residents    int     `json:"residents"` // distinct residents the clients rotate over
	FloorLookups int     `json:"floor_pk_lookups"`
	FloorPKP50Ms float64 `json:"floor_pk_p50_ms"`
	FloorPKP99Ms float64 `json:"floor_pk_p99_ms"`

	Dibao        Load `json:"dibao"`
	Dibao1Client Load `json:"dibao_1_client"`
	// DibaoAtRate is the dibao check offered at a fixed rate (Options.Rate,
	// at most Clients in flight): the latency a counter sees while the hub
	// serves that many checks a second, which a closed loop cannot show
	// (there, latency is clients ÷ throughput once the hub is saturated).
	DibaoAtRate Load `json:"dibao_at_rate"`
	// DibaoAsOf is the dibao check "as of" yesterday (China time): every
	// value as it stood then, from the read side's full history (the read
	// cache keeps every version too, so it serves these as well).
	DibaoAsOf            Load `json:"dibao_as_of"`
	ResidenceCertificate Load `json:"residence_certificate"`
	Profile              Load `json:"profile"`
	// CertificateAtRate and ProfileAtRate are the residence certificate and
	// the profile read offered at the same fixed rate as DibaoAtRate.
	CertificateAtRate Load  `json:"residence_certificate_at_rate"`
	ProfileAtRate     Load  `json:"profile_at_rate"`
	Burst             Burst `json:"burst"`
}

// Load is one run of Seconds: a closed loop (Clients each send the next
// request as soon as the previous one is answered) or a fixed rate
// (OfferedPerS, at most Clients in flight).
type Load struct {
	Request string `json:"request"`
	Clients int    `json:"clients"`
	// OfferedPerS is the rate a fixed-rate load sends at (0: closed loop).
	// Its latencies count from when a request was due, so a request that
	// waited for a free client counts that wait.
	OfferedPerS float64        `json:"offered_per_s,omitempty"`
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	PerS        float64        `json:"per_s"` // answered 200 per second
	P50Ms       float64        `json:"p50_ms"`
	P95Ms       float64        `json:"p95_ms"`
	P99Ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	Errors      int            `json:"errors"`   // anything but 200
	Statuses    map[string]int `json:"statuses"` // "200", "503", ..., "error" (no HTTP answer)
	// Ratios to the primary-key lookup of the same run.
	P50VsFloor float64 `json:"p50_vs_floor"`
	P99VsFloor float64 `json:"p99_vs_floor"`
	// CPU per answered request of the hub, ClickHouse and the bench.
	CPU cpuShare `json:"cpu"`
	// ReadCacheHitShare is the share of the hub's person reads during the
	// load answered from its read cache (clickhouse.read_cache), not from
	// ClickHouse; -1 when unknown. The loads rotate over the sample, so
	// after its first pass a cache holds it: a counter that sees each
	// household once gets the figures of a run with -read-cache -1.
	ReadCacheHitShare float64 `json:"read_cache_hit_share"`
}

// Burst is many requests sent at the same instant.
type Burst struct {
	Request  string         `json:"request"`
	Requests int            `json:"requests"`
	Answered int            `json:"answered"` // 200
	Refused  int            `json:"refused"`  // any other HTTP status, or no answer
	Statuses map[string]int `json:"statuses"`
	Seconds  float64        `json:"seconds"` // until the last answer
	P50Ms    float64        `json:"p50_ms"`
	P99Ms    float64        `json:"p99_ms"`
}

// Fresh is the freshness part: how long a department's change takes to
// show in a profile, pushed or pulled.
type Fresh struct {
	Pushes       int     `json:"pushes"`
	PushP50Ms    float64 `json:"push_p50_ms"`
	PushP99Ms    float64 `json:"push_p99_ms"`
	PushMaxMs    float64 `json:"push_max_ms"`
	PushTimeouts int     `json:"push_timeouts"`
	SQLChanges   int     `json:"sql_changes"`
	SQLP50Ms     float64 `json:"sql_p50_ms"`
	SQLP99Ms     float64 `json:"sql_p99_ms"`
	SQLMaxMs     float64 `json:"sql_max_ms"`
	SQLTimeouts  int     `json:"sql_timeouts"`
	// The floors a change must wait for by configuration: a push waits for
	// the pipelines' linger (a partial batch is inserted after it), a pulled
	// row also for the next run of the sql source (half its interval on
	// average).
	LingerMs       float64 `json:"pipelines_linger_ms"`
	SQLScheduleMs  float64 `json:"sql_schedule_ms"`
	PushP50VsFloor float64 `json:"push_p50_vs_floor"` // push_p50_ms / pipelines_linger_ms
	SQLFloorMs     float64 `json:"sql_floor_ms"`      // pipelines_linger_ms + sql_schedule_ms / 2
	SQLP50VsFloor  float64 `json:"sql_p50_vs_floor"`
}

// GoBench is one Go benchmark (go test -bench -benchmem).
type GoBench struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

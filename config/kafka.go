package config

import (
	"fmt"
	"time"
)

// Kafka says where the raw, DLQ and audit topics live and how the hub's
// clients authenticate.
type Kafka struct {
	// Brokers of an external cluster ("host:port"). Empty starts the embedded
	// Kafka-protocol broker (kfake) in-process, persisted under DataDir/kafka.
	Brokers []string `yaml:"brokers"`
	// EmbeddedListen is the loopback address of the embedded broker.
	EmbeddedListen string `yaml:"embedded_listen"`
	// Partitions of topics the hub creates (raw.*, dlq.*, audit).
	Partitions int `yaml:"partitions"`
	// ReplicationFactor of topics the hub creates on an external cluster
	// (default 3); the embedded broker always uses 1.
	ReplicationFactor int `yaml:"replication_factor"`
	// SASL is how every Kafka client of the hub authenticates. On an
	// external cluster: as configured (no mechanism: no SASL). The embedded
	// broker always requires it (unless EmbeddedOpen): mechanism
	// SCRAM-SHA-256 and user "residenthub" by default, and the password from
	// here, else $RESIDENTHUB_KAFKA_PASSWORD, else DataDir/kafka.password
	// (generated on first start, mode 600).
	SASL KafkaSASL `yaml:"sasl"`
	// TLS of the connections to an external cluster.
	TLS KafkaTLS `yaml:"tls"`
	// EmbeddedOpen lets any local process use the embedded broker without
	// credentials, as before SASL: only for a peer that cannot authenticate
	// (the bench's ClickHouse Kafka engine). Default false.
	EmbeddedOpen bool `yaml:"embedded_open"`
	// Retention of the embedded broker's log (see KafkaRetention).
	Retention KafkaRetention `yaml:"retention"`
	// EmbeddedFsyncInterval is how the embedded broker makes acknowledged
	// messages safe from a power cut (a crash of any process never loses
	// one: they are written to the operating system before the
	// acknowledgement). Above 0 (default 100ms), group commit: the log is
	// fsynced at least this often, and before a connector saves a
	// checkpoint, a push is answered or the pipelines commit offsets after
	// dead letters, so only audit events and consumer offsets can be up to
	// this old on disk. 0 fsyncs every batch before acknowledging it, in the
	// broker's one request loop, which stalls every client behind the disk.
	EmbeddedFsyncInterval time.Duration `yaml:"embedded_fsync_interval"`
}

// KafkaSASL are SASL credentials (RFC 4616 PLAIN, RFC 5802/7677 SCRAM).
type KafkaSASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password; empty: $RESIDENTHUB_KAFKA_PASSWORD (and for the embedded
	// broker then DataDir/kafka.password).
	Password string `yaml:"password"`
}

// KafkaTLS is the TLS client setting for an external cluster; files are PEM.
type KafkaTLS struct {
	Enabled bool `yaml:"enabled"`
	// CAFile verifies the brokers (empty: the system's roots).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client certificate, for clusters that
	// authenticate clients by certificate (both or neither).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the brokers' certificates.
	ServerName string `yaml:"server_name"`
}

// KafkaRetention bounds the embedded broker's raw.* and audit topics:
// records older than Time, and the oldest records of a partition over
// Bytes, are deleted — but never one the pipelines' consumer group (or the
// audit sink's) has not committed, so nothing not yet loaded is dropped.
// Dead letters (dlq.*) are kept. Zero turns a bound off. An external
// cluster keeps its own retention.
type KafkaRetention struct {
	// Time to keep records (default 7 days, 168h).
	Time time.Duration `yaml:"time"`
	// Bytes per partition to keep (default 1 GiB).
	Bytes int64 `yaml:"bytes"`
	// Interval between retention passes (default 5 minutes).
	Interval time.Duration `yaml:"interval"`
}

// SASL mechanisms.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// EmbeddedUser is the embedded broker's user when kafka.sasl.username is empty.
const EmbeddedUser = "residenthub"

func defaultKafka() Kafka {
	return Kafka{EmbeddedListen: "127.0.0.1:19092", Partitions: 4, ReplicationFactor: 3,
		Retention:             KafkaRetention{Time: 7 * 24 * time.Hour, Bytes: 1 << 30, Interval: 5 * time.Minute},
		EmbeddedFsyncInterval: 100 * time.Millisecond}
}

func (k Kafka) validate() error {
	if k.Partitions < 1 || k.ReplicationFactor < 1 {
		return fmt.Errorf("kafka.partitions and kafka.replication_factor must be at least 1")
	}
	switch k.SASL.Mechanism {
	case "", SASLPlain, SASLScramSHA256, SASLScramSHA512:
	default:
		return fmt.Errorf("kafka.sasl.mechanism %q: want %s, %s or %s", k.SASL.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
	}
	if len(k.Brokers) > 0 && k.SASL.Mechanism != "" && k.SASL.Username == "" {
		return fmt.Errorf("kafka.sasl.username is required with kafka.sasl.mechanism")
	}
	if len(k.Brokers) == 0 && k.TLS.Enabled {
		return fmt.Errorf("kafka.tls is for an external cluster (kafka.brokers); the embedded broker listens on loopback without TLS")
	}
	if (k.TLS.CertFile == "") != (k.TLS.KeyFile == "") {
		return fmt.Errorf("kafka.tls.cert_file and kafka.tls.key_file go together")
	}
	if k.EmbeddedFsyncInterval < 0 {
		return fmt.Errorf("kafka.embedded_fsync_interval must not be negative (0 fsyncs every batch)")
	}
	if r := k.Retention; r.Time < 0 || r.Bytes < 0 || r.Interval <= 0 {
		return fmt.Errorf("kafka.retention.time and bytes must not be negative, interval positive")
	}
	return nil
}

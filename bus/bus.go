// Package bus is the hub's Kafka glue: the embedded Kafka-protocol broker used
// when no brokers are configured (SASL and ACLs, its log recovered at start,
// retention that keeps what the consumer groups have not committed), the
// clients' SASL/TLS (Secure), producers that wait for acks=all, topic
// creation, consumer-group offsets and lag. Message formats live in schema/.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Embedded is an in-process Kafka-protocol broker (kfake) listening on
// loopback and persisting its log under a data folder. An acknowledged
// message is written to the operating system, so no process crash loses it;
// against a power cut it is on disk either before the acknowledgement
// (EmbeddedOptions.FsyncInterval 0: kfake fsyncs every batch in its request
// loop) or, with group commit, within FsyncInterval, and at once for a
// producer that asks (Durable) before it acts on the acknowledgement.
type Embedded struct {
	cluster *kfake.Cluster
	addr    string
	syncer  *logSyncer // nil when kfake fsyncs every batch
	// Recovered lists what the start cut from a damaged log (RecoverLog).
	Recovered []Recovery
}

// StartEmbedded starts a single embedded broker on listen ("127.0.0.1:19092";
// port 0 picks a free port) with its log in dataDir (created if missing),
// open to any client (tests). Topics are created on first use with the given
// number of partitions.
func StartEmbedded(listen, dataDir string, partitions int) (*Embedded, error) {
	return StartEmbeddedWith(EmbeddedOptions{Listen: listen, DataDir: dataDir, Partitions: partitions})
}

// EmbeddedOptions configure StartEmbeddedWith.
type EmbeddedOptions struct {
	Listen     string // "127.0.0.1:19092"; port 0 picks a free port
	DataDir    string // the log, created if missing
	Partitions int    // of topics created on first use
	// User, when set, turns on SASL and ACLs: it is the one superuser (the
	// hub's clients); a connection that does not authenticate is refused
	// before any other request, and any other user the broker may learn
	// (AlterUserScramCredentials by the superuser) has no rights until
	// granted (ACLs deny by default).
	User *Credentials
	// Log receives the broker's warnings (nil: discarded).
	Log *slog.Logger
	// SegmentBytes and SegmentRoll start a new segment file of a partition
	// when the current one holds that many bytes or is that old (0: kfake's
	// 100 MiB and 7 days). Retention frees disk by whole segments.
	SegmentBytes int
	SegmentRoll  time.Duration
	// FsyncInterval 0 has kfake fsync every produced batch before it
	// acknowledges it; above 0 the log is fsynced by group commit (logSyncer)
	// at least this often and whenever a producer of this process calls
	// Durable.
	FsyncInterval time.Duration
}

// StartEmbeddedWith starts an embedded broker. With o.User the users and
// ACLs come from o alone: those an earlier run saved in the data folder
// (sasl.json, acls.json) are removed first, so a changed password takes
// effect and no stale user survives.
func StartEmbeddedWith(o EmbeddedOptions) (*Embedded, error) {
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: listen address %q: %w", o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: listen port %q: %w", portStr, err)
	}
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded kafka: cannot create data folder: %w", err)
	}
	recovered, err := RecoverLog(o.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: %w", err)
	}
	for _, r := range recovered {
		if o.Log != nil {
			o.Log.Warn("embedded kafka: recovered a damaged log to its last complete batch", "topic", r.Topic, "partition", r.Partition,
				"segment", r.Segment, "dropped_bytes", r.DroppedBytes, "log_end", r.KeptEnd, "lost_from", r.LostFrom, "lost_records_at_least", r.LostRecords, "complete_batches_lost", r.LostBatches)
		}
	}
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		}),
		kfake.DataDir(filepath.Clean(o.DataDir)),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(o.Partitions),
		kfake.ClusterID("residenthub-embedded"),
	}
	if o.FsyncInterval <= 0 {
		// fsync every produced batch before acknowledging it: a checkpoint
		// saved after an ack must never point past data a power cut lost.
		opts = append(opts, kfake.SyncWrites())
	}
	if o.Log != nil {
		opts = append(opts, kfake.WithLogger(kfakeLogger{o.Log}))
	}
	broker := map[string]string{}
	if o.SegmentBytes > 0 {
		broker["log.segment.bytes"] = strconv.Itoa(o.SegmentBytes)
	}
	if o.SegmentRoll > 0 {
		broker["log.roll.ms"] = strconv.FormatInt(o.SegmentRoll.Milliseconds(), 10)
	}
	if len(broker) > 0 {
		opts = append(opts, kfake.BrokerConfigs(broker))
	}
	if u := o.User; u != nil {
		if _, err := u.mechanism(); err != nil {
			return nil, err
		}
		for _, f := range []string{"sasl.json", "acls.json"} {
			if err := os.Remove(filepath.Join(o.DataDir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("embedded kafka: cannot reset saved users: %w", err)
			}
		}
		opts = append(opts, kfake.EnableSASL(), kfake.EnableACLs(), kfake.Superuser(u.Mechanism, u.User, u.Password))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: cannot start on %s: %w", o.Listen, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		c.Close()
		return nil, errors.New("embedded kafka: no listener")
	}
	e := &Embedded{cluster: c, addr: addrs[0], Recovered: recovered}
	if o.FsyncInterval > 0 {
		e.syncer = startLogSyncer(filepath.Clean(o.DataDir), o.FsyncInterval)
		inProcess.Store(e.addr, e.syncer)
	}
	if o.User != nil {
		if err := Secure(e.Brokers(), Security{SASL: o.User}); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// kfakeLogger passes the broker's warnings and errors to slog.
type kfakeLogger struct{ log *slog.Logger }

func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		l.log.Error("embedded kafka: " + fmt.Sprintf(format, args...))
	case kfake.LogLevelWarn:
		l.log.Warn("embedded kafka: " + fmt.Sprintf(format, args...))
	}
}

// Brokers returns the bootstrap address list of the embedded broker.
func (e *Embedded) Brokers() []string { return []string{e.addr} }

// Close stops the broker and flushes its log to disk.
func (e *Embedded) Close() {
	e.cluster.Close()
	if e.syncer != nil {
		inProcess.Delete(e.addr)
		e.syncer.close()
	}
}

// Writer is a kafka-go producer whose WriteMessages returns only once the
// messages are durable (Durable): what connectors' checkpoints, pushes'
// answers and the pipelines' offset commits after dead letters rely on.
type Writer struct {
	*kafka.Writer
	brokers []string
}

// WriteMessages writes msgs (kafka.Writer.WriteMessages: acks=all) and then
// waits until they are on disk (Durable).
func (w *Writer) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	if err := w.Writer.WriteMessages(ctx, msgs...); err != nil {
		return err
	}
	return Durable(ctx, w.brokers)
}

// writerBatchMessages bounds the messages of one record batch. kafka-go
// allocates room for this many (152 bytes each) with every batch it starts,
// however few it holds: a connector's page of 5,000 over 4 partitions fills
// ~1,250 per partition, and BatchBytes (960 KiB) closes a batch of messages
// over 393 bytes before 2,500. 5,000 allocated twice the room; 1,000 split
// each page into twice the batches: the broker's fetch path (it reads and
// copies each batch) took 8.6 % of the hub's CPU instead of 4.8 %, and the 1M
// bench's end to end 496 s instead of 471 s (2026-12-07).
const writerBatchMessages = 2500

// NewWriter returns a producer that hashes message keys to partitions (one
// entity's changes stay in order) and returns from WriteMessages only after
// every in-sync replica acknowledged (acks=all) and the messages are durable
// (Durable). Topics are created on first write. It sends up to
// writerBatchMessages messages (960 KiB) per partition in one record batch.
func NewWriter(brokers []string) *Writer {
	return &Writer{brokers: brokers, Writer: &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Transport:              transport(brokers),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		AllowAutoTopicCreation: true,
		BatchSize:              writerBatchMessages,
		BatchBytes:             960 << 10, // under Kafka's (and kfake's) default message.max.bytes, 1 MiB per record batch
		BatchTimeout:           5 * time.Millisecond,
		WriteTimeout:           30 * time.Second,
		MaxAttempts:            5,
	}}
}

// EnsureTopics creates the topics that do not exist yet, each with the given
// number of partitions and replication factor 1 (the embedded broker);
// existing topics are left as they are.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	return EnsureReplicatedTopics(ctx, brokers, partitions, 1, topics...)
}

// EnsureReplicatedTopics is EnsureTopics with a replication factor, for an
// external cluster (acks=all then means every in-sync replica).
func EnsureReplicatedTopics(ctx context.Context, brokers []string, partitions, replicationFactor int, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	client := AdminClient(brokers, 15*time.Second)
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: replicationFactor})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("cannot create topics: %w", err)
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("cannot create topic %s: %w", t, terr)
		}
	}
	return nil
}

// Ping checks that one of the brokers answers a metadata request on a new
// connection (a shared client's transport could answer from its cache).
func Ping(ctx context.Context, brokers []string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var errs []error
	for _, b := range brokers {
		conn, err := Dialer(brokers).DialContext(ctx, "tcp", b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Brokers()
		conn.Close()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("kafka %v: %w", brokers, errors.Join(errs...))
}

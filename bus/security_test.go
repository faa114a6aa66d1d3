package bus

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// TestEmbeddedBrokerRequiresCredentials starts the embedded broker as the
// hub does (SASL SCRAM-SHA-256, ACLs) and connects over real TCP: a client
// without credentials, or with a wrong password, is refused; another SCRAM
// user the broker knows cannot write raw.hukou (ACLs deny by default); the
// hub's own clients, set up by Secure, write and read. After a restart with a
// new password the old one no longer works.
func TestEmbeddedBrokerRequiresCredentials(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	hub := &Credentials{Mechanism: config.SASLScramSHA256, User: "residenthub", Password: "first-password-0123"}
	e, err := StartEmbeddedWith(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir, Partitions: 2, User: hub})
	if err != nil {
		t.Fatal(err)
	}
	brokers := e.Brokers()
	if err := EnsureTopics(ctx, brokers, 2, "raw.hukou"); err != nil {
		t.Fatalf("the hub's admin client: %v", err)
	}
	w := NewWriter(brokers)
	if err := w.WriteMessages(ctx, kafka.Message{Topic: "raw.hukou", Key: []byte("k"), Value: []byte("from the hub")}); err != nil {
		t.Fatalf("the hub's writer: %v", err)
	}
	w.Close()

	refused := func(what string, d *kafka.Dialer) {
		t.Helper()
		conn, err := d.DialContext(ctx, "tcp", brokers[0])
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.ReadPartitions("raw.hukou")
			conn.Close()
		}
		if err == nil {
			t.Errorf("%s read the partitions of raw.hukou", what)
		}
	}
	refused("a client without credentials", &kafka.Dialer{Timeout: 5 * time.Second})
	wrong, err := scram.Mechanism(scram.SHA256, "residenthub", "not-the-password")
	if err != nil {
		t.Fatal(err)
	}
	refused("a client with a wrong password", &kafka.Dialer{Timeout: 5 * time.Second, SASLMechanism: wrong})
	plainWriter := &kafka.Writer{Addr: kafka.TCP(brokers...), WriteTimeout: 5 * time.Second, MaxAttempts: 1}
	if err := plainWriter.WriteMessages(ctx, kafka.Message{Topic: "raw.hukou", Value: []byte("forged")}); err == nil {
		t.Error("a writer without credentials wrote into raw.hukou")
	}
	plainWriter.Close()

	// A second SCRAM user, created by the hub's superuser: authenticated,
	// but without an ACL it may not write the raw topic.
	salt := []byte("0123456789abcdef")
	salted, err := pbkdf2.Key(sha256.New, "department-password", salt, 4096, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := AdminClient(brokers, 10*time.Second).AlterUserScramCredentials(ctx, &kafka.AlterUserScramCredentialsRequest{
		Upsertions: []kafka.UserScramCredentialsUpsertion{{Name: "department", Mechanism: kafka.ScramMechanismSha256, Iterations: 4096, Salt: salt, SaltedPassword: salted}}})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].Error != nil {
		t.Fatalf("cannot create a second user: %v %+v", err, resp)
	}
	dept, err := scram.Mechanism(scram.SHA256, "department", "department-password")
	if err != nil {
		t.Fatal(err)
	}
	deptWriter := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{SASL: dept}, WriteTimeout: 5 * time.Second, MaxAttempts: 1}
	err = deptWriter.WriteMessages(ctx, kafka.Message{Topic: "raw.hukou", Value: []byte("forged")})
	deptWriter.Close()
	// kfake, like Kafka, hides a topic the user may not describe.
	if !errors.Is(err, kafka.TopicAuthorizationFailed) && !errors.Is(err, kafka.UnknownTopicOrPartition) {
		t.Errorf("another user writing raw.hukou: %v, want %v or %v", err, kafka.TopicAuthorizationFailed, kafka.UnknownTopicOrPartition)
	}

	letters := messagesIn(ctx, t, brokers, "raw.hukou")
	if letters != 1 {
		t.Errorf("raw.hukou holds %d messages, want the hub's 1", letters)
	}
	e.Close()

	// Restart with a new password: the saved users are not reloaded.
	hub2 := &Credentials{Mechanism: config.SASLScramSHA256, User: "residenthub", Password: "second-password-0123"}
	e, err = StartEmbeddedWith(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir, Partitions: 2, User: hub2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	old, err := scram.Mechanism(scram.SHA256, "residenthub", hub.Password)
	if err != nil {
		t.Fatal(err)
	}
	refused("the old password after a restart", &kafka.Dialer{Timeout: 5 * time.Second, SASLMechanism: old})
	if n := messagesIn(ctx, t, e.Brokers(), "raw.hukou"); n != 1 {
		t.Errorf("after the restart the hub reads %d messages, want 1", n)
	}
}

func messagesIn(ctx context.Context, t *testing.T, brokers []string, topic string) int64 {
	t.Helper()
	res, err := AdminClient(brokers, 10*time.Second).ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.FirstOffsetOf(1), kafka.LastOffsetOf(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatal(p.Error)
		}
		n += p.LastOffset - p.FirstOffset
	}
	return n
}

// TestSecurityForEmbeddedGeneratesPassword: without a password in the config
// or the environment, the embedded broker's is generated once into
// data_dir/kafka.password with mode 600 and read again on the next start.
func TestSecurityForEmbeddedGeneratesPassword(t *testing.T) {
	t.Setenv(PasswordEnv, "")
	dir := t.TempDir()
	k := config.Default().Kafka
	s, err := SecurityFor(k, dir)
	if err != nil || s.SASL == nil || len(s.SASL.Password) < 32 || s.SASL.User != config.EmbeddedUser || s.SASL.Mechanism != config.SASLScramSHA256 {
		t.Fatalf("%+v %v", s.SASL, err)
	}
	info, err := os.Stat(filepath.Join(dir, PasswordFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", info, err)
	}
	again, err := SecurityFor(k, dir)
	if err != nil || again.SASL.Password != s.SASL.Password {
		t.Fatalf("second start: %v %v", again.SASL, err)
	}
	t.Setenv(PasswordEnv, "from-the-environment")
	if env, _ := SecurityFor(k, dir); env.SASL.Password != "from-the-environment" {
		t.Errorf("$%s ignored: %q", PasswordEnv, env.SASL.Password)
	}
	k.EmbeddedOpen = true
	if open, _ := SecurityFor(k, dir); open.SASL != nil {
		t.Error("embedded_open still asks for credentials")
	}
	ext := config.Default().Kafka
	ext.Brokers = []string{"kafka-1:9093"}
	ext.SASL = config.KafkaSASL{Mechanism: config.SASLScramSHA512, Username: "hub"}
	t.Setenv(PasswordEnv, "")
	if _, err := SecurityFor(ext, dir); err == nil {
		t.Error("an external cluster with SASL and no password was accepted")
	}
}

// TestSecuredClientsDoNotLeak polls group offsets of a broker with SASL 50
// times, as the hub's offset checks do every few seconds: the clients share
// one transport, so the number of goroutines does not grow with the polls.
func TestSecuredClientsDoNotLeak(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	user := &Credentials{Mechanism: config.SASLScramSHA256, User: "residenthub", Password: "leak-test-password"}
	e, err := StartEmbeddedWith(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 2, User: user})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := EnsureTopics(ctx, e.Brokers(), 2, "raw.test"); err != nil {
		t.Fatal(err)
	}
	poll := func(n int) {
		for range n {
			if _, err := OutOfRange(ctx, e.Brokers(), "g", []string{"raw.test"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll(5)
	before := runtime.NumGoroutine()
	poll(50)
	if after := runtime.NumGoroutine(); after > before+10 {
		t.Errorf("%d goroutines after 50 more polls, %d before: the clients leak", after, before)
	}
}

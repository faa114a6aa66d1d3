package bus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestExternalClusterTLSAndSASL stands up a Kafka-protocol broker that
// speaks only TLS (a certificate for kafka.test from a test CA) and asks
// for SCRAM-SHA-512, configures the hub for it the way an external cluster
// is configured (kafka.brokers, kafka.sasl, kafka.tls with ca_file and
// server_name), and uses every kind of client the hub has: topic creation,
// a writer, group offsets, the dead-letter reader's connections, and the
// retention's admin client. A plaintext client is refused.
func TestExternalClusterTLSAndSASL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	caFile, server := testCertificates(t, dir, "kafka.test")
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(server), kfake.EnableSASL(),
		kfake.Superuser(config.SASLScramSHA512, "hub", "external-password"), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	k := config.Default().Kafka
	k.Brokers = brokers
	k.SASL = config.KafkaSASL{Mechanism: config.SASLScramSHA512, Username: "hub", Password: "external-password"}
	k.TLS = config.KafkaTLS{Enabled: true, CAFile: caFile, ServerName: "kafka.test"}
	sec, err := SecurityFor(k, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Secure(brokers, sec); err != nil {
		t.Fatal(err)
	}
	if err := Ping(ctx, brokers); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := EnsureTopics(ctx, brokers, 1, "raw.test", "dlq.test"); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	w := NewWriter(brokers)
	if err := w.WriteMessages(ctx, kafka.Message{Topic: "raw.test", Value: []byte("over tls")}); err != nil {
		t.Fatalf("write: %v", err)
	}
	w.Close()
	if lag, err := TotalGroupLag(ctx, brokers, "g", []string{"raw.test"}); err != nil || lag != 1 {
		t.Fatalf("group lag %d, %v", lag, err)
	}
	if _, err := ReadDeadLetters(ctx, brokers, "test", 10); err != nil {
		t.Fatalf("dead letters: %v", err)
	}
	if trims, err := ApplyRetention(ctx, brokers, []string{"raw.test"}, Retention{Bytes: 1}, nil, time.Now()); err != nil || len(trims) != 1 {
		t.Fatalf("retention's admin client: %+v %v", trims, err)
	}
	plain := &kafka.Dialer{Timeout: 3 * time.Second}
	if conn, err := plain.DialContext(ctx, "tcp", brokers[0]); err == nil {
		_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
		_, err = conn.ReadPartitions("raw.test")
		conn.Close()
		if err == nil {
			t.Error("a plaintext client read the partitions")
		}
	}
}

// testCertificates writes a CA certificate to dir/ca.pem and returns its
// path and a server TLS config for name (and 127.0.0.1) signed by it.
func testCertificates(t *testing.T, dir, name string) (string, *tls.Config) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	caCert, _ := x509.ParseCertificate(caDER)
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return caFile, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

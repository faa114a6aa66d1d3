package bus

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Credentials are a SASL user of the brokers.
type Credentials struct {
	Mechanism string // config.SASLPlain, SASLScramSHA256 or SASLScramSHA512
	User      string
	Password  string
}

// Security is how the hub's clients reach a set of brokers: SASL
// credentials (nil: none) and TLS (nil: plaintext).
type Security struct {
	SASL *Credentials
	TLS  *tls.Config
}

// PasswordEnv is the environment variable read when kafka.sasl.password is empty.
const PasswordEnv = "RESIDENTHUB_KAFKA_PASSWORD"

// PasswordFile is the embedded broker's generated password, under data_dir.
const PasswordFile = "kafka.password"

// SecurityFor returns how to reach the brokers of k: for an external
// cluster its sasl and tls settings; for the embedded broker (k.Brokers
// empty) its SCRAM user (see config.Kafka.SASL), generating the password
// into dataDir/kafka.password (mode 600) when neither the config nor the
// environment gives one, or none when k.EmbeddedOpen.
func SecurityFor(k config.Kafka, dataDir string) (Security, error) {
	password := k.SASL.Password
	if password == "" {
		password = os.Getenv(PasswordEnv)
	}
	if len(k.Brokers) == 0 {
		if k.EmbeddedOpen {
			return Security{}, nil
		}
		c := Credentials{Mechanism: k.SASL.Mechanism, User: k.SASL.Username, Password: password}
		if c.Mechanism == "" {
			c.Mechanism = config.SASLScramSHA256
		}
		if c.User == "" {
			c.User = config.EmbeddedUser
		}
		if c.Password == "" {
			pw, err := embeddedPassword(dataDir)
			if err != nil {
				return Security{}, err
			}
			c.Password = pw
		}
		return Security{SASL: &c}, nil
	}
	var s Security
	if k.SASL.Mechanism != "" {
		if password == "" {
			return Security{}, fmt.Errorf("cannot authenticate to kafka: kafka.sasl.password and $%s are empty", PasswordEnv)
		}
		s.SASL = &Credentials{Mechanism: k.SASL.Mechanism, User: k.SASL.Username, Password: password}
	}
	if k.TLS.Enabled {
		t, err := tlsConfig(k.TLS)
		if err != nil {
			return Security{}, err
		}
		s.TLS = t
	}
	return s, nil
}

// embeddedPassword reads dataDir/kafka.password, writing a random one
// (128 bits, hex) with mode 600 first if it is missing.
func embeddedPassword(dataDir string) (string, error) {
	path := filepath.Join(dataDir, PasswordFile)
	if b, err := os.ReadFile(path); err == nil {
		if pw := strings.TrimSpace(string(b)); pw != "" {
			return pw, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("cannot read the kafka password: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", fmt.Errorf("cannot create data folder: %w", err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	pw := hex.EncodeToString(b)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("cannot write the kafka password: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("cannot write the kafka password: %w", err)
	}
	return pw, nil
}

func tlsConfig(c config.KafkaTLS) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read kafka.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot read kafka.tls.ca_file %s: no PEM certificate", c.CAFile)
		}
		t.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read kafka.tls.cert_file and key_file: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

func (c *Credentials) mechanism() (sasl.Mechanism, error) {
	switch c.Mechanism {
	case config.SASLPlain:
		return plain.Mechanism{Username: c.User, Password: c.Password}, nil
	case config.SASLScramSHA256:
		return scram.Mechanism(scram.SHA256, c.User, c.Password)
	case config.SASLScramSHA512:
		return scram.Mechanism(scram.SHA512, c.User, c.Password)
	}
	return nil, fmt.Errorf("cannot authenticate to kafka: unknown SASL mechanism %q", c.Mechanism)
}

// secured maps a broker address to the *securedBrokers of its clients (Secure).
var secured sync.Map

// securedBrokers is a Security and the one transport every writer and admin
// client of those brokers shares (a kafka-go Transport keeps connections
// and a metadata goroutine per broker set until it is closed: one per
// client would leak them).
type securedBrokers struct {
	Security
	transport *kafka.Transport
}

// Secure makes every Kafka client this package builds for brokers (writers,
// admin clients, connections, and the readers of Dialer) use s. The hub
// calls it once it knows its brokers; the addresses are the key, so several
// brokers in one process (tests) keep their own settings.
func Secure(brokers []string, s Security) error {
	sb := &securedBrokers{Security: s}
	if s.SASL != nil {
		if _, err := s.SASL.mechanism(); err != nil {
			return err
		}
	}
	if s.SASL != nil || s.TLS != nil {
		sb.transport = &kafka.Transport{SASL: s.saslMechanism(), TLS: s.TLS, DialTimeout: 10 * time.Second}
	}
	for _, b := range brokers {
		if old, ok := secured.Swap(b, sb); ok && old.(*securedBrokers).transport != nil {
			old.(*securedBrokers).transport.CloseIdleConnections()
		}
	}
	return nil
}

func securedOf(brokers []string) *securedBrokers {
	for _, b := range brokers {
		if v, ok := secured.Load(b); ok {
			return v.(*securedBrokers)
		}
	}
	return &securedBrokers{}
}

func securityOf(brokers []string) Security { return securedOf(brokers).Security }

func (s Security) saslMechanism() sasl.Mechanism {
	if s.SASL == nil {
		return nil
	}
	m, _ := s.SASL.mechanism() // checked by Secure
	return m
}

// Dialer returns the dialer for brokers (as Secure set them up), for
// kafka-go readers (ReaderConfig.Dialer) and connections.
func Dialer(brokers []string) *kafka.Dialer {
	s := securityOf(brokers)
	return &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, SASLMechanism: s.saslMechanism(), TLS: s.TLS}
}

// transport returns the round tripper of writers and admin clients for
// brokers, shared by all of them; nil (kafka-go's shared default) when they
// need no security.
func transport(brokers []string) kafka.RoundTripper {
	if t := securedOf(brokers).transport; t != nil {
		return t
	}
	return nil
}

// AdminClient returns an admin client for brokers (as Secure set them up).
func AdminClient(brokers []string, timeout time.Duration) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: timeout, Transport: transport(brokers)}
}

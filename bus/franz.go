package bus

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/residenthub/residenthub/config"
)

// FranzClient returns a franz-go client for brokers with their Security (as
// Secure set them up) and the extra options: the admin requests kafka-go
// lacks (DeleteRecords, DescribeLogDirs, for retention) and the audit
// producer use it.
func FranzClient(brokers []string, extra ...kgo.Opt) (*kgo.Client, error) {
	s := securityOf(brokers)
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DialTimeout(10 * time.Second)}
	if s.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(s.TLS))
	}
	if c := s.SASL; c != nil {
		var m sasl.Mechanism
		switch c.Mechanism {
		case config.SASLPlain:
			m = plain.Auth{User: c.User, Pass: c.Password}.AsMechanism()
		case config.SASLScramSHA256:
			m = scram.Auth{User: c.User, Pass: c.Password}.AsSha256Mechanism()
		case config.SASLScramSHA512:
			m = scram.Auth{User: c.User, Pass: c.Password}.AsSha512Mechanism()
		}
		opts = append(opts, kgo.SASL(m))
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot create kafka client: %w", err)
	}
	return cl, nil
}

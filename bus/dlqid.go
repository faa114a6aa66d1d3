package bus

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/residenthub/residenthub/schema"
)

// deadLetterID identifies a dead letter for counting by what was rejected,
// not by when or from which delivery: a file re-sent under another name, a
// push repeated, a replay, or a connector repeating its last page after a
// crash counts once. A pipeline reject of a decodable envelope is its
// source, dataset, record key, operation, source time and fields (not
// pulled_at nor origin) with the field and reason; one of an undecodable
// message is the raw message (topic, partition, offset). A connector reject
// is its reason and original bytes (the row as read, without its origin);
// one without original bytes falls back to its message key.
func deadLetterID(key []byte, d schema.DeadLetter) string {
	h := sha256.New()
	part := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	switch {
	case d.Topic != "":
		env, err := schema.UnmarshalEnvelope(d.Original)
		if err != nil {
			return "raw:" + d.Topic + "/" + itoa(int64(d.Partition)) + "@" + itoa(d.Offset)
		}
		part("pipeline")
		part(env.Source)
		part(env.Dataset)
		part(env.RecordKey)
		part(string(env.Op))
		part(env.SourceTime.UTC().Format(time.RFC3339Nano))
		names := make([]string, 0, len(env.Fields))
		for n := range env.Fields {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			part(n)
			part(env.Fields[n])
		}
		part(d.Field)
		part(d.Reason)
	case len(d.Original) > 0:
		part("connector")
		part(d.Source)
		// The reason may be prefixed with the origin (runtime.Publisher):
		// drop what names the delivery.
		part(strings.TrimPrefix(d.Reason, d.Origin+": "))
		h.Write(d.Original)
	default:
		return "key:" + string(key)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

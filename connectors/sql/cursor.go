package sqlconn

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// value is a database value kept in a checkpoint with its type, so it can
// be sent back as a query parameter of the same type.
type value struct {
	T string `json:"t"` // time, int, string
	V string `json:"v"`
}

func toValue(v any) (value, error) {
	switch x := v.(type) {
	case time.Time:
		return value{"time", x.UTC().Format(time.RFC3339Nano)}, nil
	case int64:
		return value{"int", strconv.FormatInt(x, 10)}, nil
	case int32:
		return value{"int", strconv.FormatInt(int64(x), 10)}, nil
	case int:
		return value{"int", strconv.Itoa(x)}, nil
	case uint64:
		return value{"int", strconv.FormatUint(x, 10)}, nil
	case string:
		return value{"string", x}, nil
	case []byte:
		return value{"string", string(x)}, nil
	case nil:
		return value{}, fmt.Errorf("is NULL")
	}
	return value{}, fmt.Errorf("has type %T; want a timestamp, an integer or text", v)
}

// arg returns the value as a query parameter.
func (v value) arg() (any, error) {
	switch v.T {
	case "time":
		return time.Parse(time.RFC3339Nano, v.V)
	case "int":
		return strconv.ParseInt(v.V, 10, 64)
	case "string":
		return v.V, nil
	}
	return nil, fmt.Errorf("unknown cursor value type %q", v.T)
}

// compare orders two values of the same type.
func compare(a, b value) int {
	if a.T == "time" && b.T == "time" {
		ta, _ := time.Parse(time.RFC3339Nano, a.V)
		tb, _ := time.Parse(time.RFC3339Nano, b.V)
		return ta.Compare(tb)
	}
	if a.T == "int" && b.T == "int" {
		ia, _ := strconv.ParseInt(a.V, 10, 64)
		ib, _ := strconv.ParseInt(b.V, 10, 64)
		switch {
		case ia < ib:
			return -1
		case ia > ib:
			return 1
		}
		return 0
	}
	return strings.Compare(a.V, b.V)
}

// minus returns v - d for time values, v - n for integer values (not below
// the smallest int64), v otherwise.
func (v value) minus(d time.Duration, n int64) value {
	switch v.T {
	case "time":
		if d == 0 {
			return v
		}
		t, err := time.Parse(time.RFC3339Nano, v.V)
		if err != nil {
			return v
		}
		return value{"time", t.Add(-d).UTC().Format(time.RFC3339Nano)}
	case "int":
		if n == 0 {
			return v
		}
		i, err := strconv.ParseInt(v.V, 10, 64)
		if err != nil {
			return v
		}
		if i < math.MinInt64+n {
			i = math.MinInt64
		} else {
			i -= n
		}
		return value{"int", strconv.FormatInt(i, 10)}
	}
	return v
}

// cursor is the sql kind's checkpoint.
type cursor struct {
	// Incremental: the greatest cursor_column value published, and the
	// (cursor value, key) pairs published at or after TS - lookback (or
	// lookback_rows).
	TS   *value     `json:"ts,omitempty"`
	Seen [][2]value `json:"seen,omitempty"`
	// Snapshot: the last key published by the pass in progress, and when
	// the last complete pass ended.
	Key       *value `json:"key,omitempty"`
	Completed string `json:"completed,omitempty"`
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("cannot decode cursor: %w", err)
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// seenSet holds the (cursor value, key) pairs already published near the
// cursor, to de-duplicate the inclusive re-read.
type seenSet map[[2]string][2]value

func newSeen(pairs [][2]value) seenSet {
	s := seenSet{}
	for _, p := range pairs {
		s.add(p[0], p[1])
	}
	return s
}

func (s seenSet) add(c, k value) { s[[2]string{c.V, k.V}] = [2]value{c, k} }

func (s seenSet) has(c, k value) bool {
	_, ok := s[[2]string{c.V, k.V}]
	return ok
}

// prune drops pairs older than floor and, beyond max, the oldest ones; it
// returns the remaining pairs sorted, for the checkpoint.
func (s seenSet) prune(floor value, max int) [][2]value {
	out := make([][2]value, 0, len(s))
	for key, p := range s {
		if compare(p[0], floor) < 0 {
			delete(s, key)
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := compare(out[i][0], out[j][0]); c != 0 {
			return c < 0
		}
		return out[i][1].V < out[j][1].V
	})
	if len(out) > max {
		for _, p := range out[:len(out)-max] {
			delete(s, [2]string{p[0].V, p[1].V})
		}
		out = out[len(out)-max:]
	}
	return out
}

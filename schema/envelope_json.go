package schema

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The envelope's JSON without reflection. The wire format is unchanged (the
// JSON of Envelope's struct tags, as encoding/json writes it): operators and
// ClickHouse's Kafka engine read the raw topics, so the bytes must stay what
// they were. AppendJSON writes exactly the bytes json.Marshal writes, and
// decodeEnvelope reads the shape the hub writes; anything else (escaped or
// unknown keys, nulls, invalid UTF-8, repeated keys, other value types) is
// left to encoding/json, so every input decodes exactly as json.Unmarshal
// decodes it. The fuzz tests in envelope_json_test.go hold both to that.

// AppendJSON appends the envelope's JSON to dst: the bytes json.Marshal(e)
// gives (keys in struct order, fields sorted by name, HTML-safe escaping,
// times RFC 3339 with nanoseconds). It fails only where json.Marshal fails
// (a time outside the years 0–9999).
func (e *Envelope) AppendJSON(dst []byte) ([]byte, error) {
	if !jsonTime(e.SourceTime) || !jsonTime(e.PulledAt) {
		b, err := json.Marshal(e)
		return append(dst, b...), err
	}
	dst = append(dst, `{"source":`...)
	dst = appendJSONString(dst, e.Source)
	dst = append(dst, `,"dataset":`...)
	dst = appendJSONString(dst, e.Dataset)
	dst = append(dst, `,"record_key":`...)
	dst = appendJSONString(dst, e.RecordKey)
	dst = append(dst, `,"op":`...)
	dst = appendJSONString(dst, string(e.Op))
	dst = append(dst, `,"source_time":"`...)
	dst = e.SourceTime.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","pulled_at":"`...)
	dst = e.PulledAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","fields":`...)
	if e.Fields == nil {
		dst = append(dst, "null"...)
	} else {
		var stack [32]string
		keys := stack[:0]
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, e.Fields[k])
		}
		dst = append(dst, '}')
	}
	if e.Origin != "" {
		dst = append(dst, `,"origin":`...)
		dst = appendJSONString(dst, e.Origin)
	}
	return append(dst, '}'), nil
}

// jsonTime reports whether t is written by AppendFormat(RFC3339Nano) exactly
// as Time.MarshalJSON writes it: a year 0–9999 and an offset of whole
// minutes under 24 hours.
func jsonTime(t time.Time) bool {
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off%60 == 0 && off > -24*3600 && off < 24*3600
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// with HTML escaping: ", \ and control characters escaped, <, > and & as
// \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, and each byte of invalid
// UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// errSlowPath says the fast decoder leaves the input to encoding/json.
var errSlowPath = errors.New("envelope: not the common shape")

// decodeEnvelope decodes the common shape of an envelope without
// reflection: an object with the keys of Envelope's tags (each at most once,
// spelled exactly), string values (fields: an object of strings), times as
// RFC 3339 strings. The strings share one copy of b. fields, if not nil, is
// an empty map to fill (reused). Anything else returns errSlowPath, and the
// caller uses json.Unmarshal.
func decodeEnvelope(b []byte, e *Envelope, fields map[string]string) error {
	d := envDecoder{s: string(b)}
	d.space()
	if !d.byte('{') {
		return errSlowPath
	}
	var seen uint8
	d.space()
	if d.byte('}') {
		return d.end()
	}
	for {
		d.space()
		key, ok := d.plainString()
		if !ok {
			return errSlowPath
		}
		d.space()
		if !d.byte(':') {
			return errSlowPath
		}
		d.space()
		var bit uint8
		switch key {
		case "source":
			bit, ok = 1, d.stringInto(&e.Source)
		case "dataset":
			bit, ok = 2, d.stringInto(&e.Dataset)
		case "record_key":
			bit, ok = 4, d.stringInto(&e.RecordKey)
		case "op":
			var op string
			bit, ok = 8, d.stringInto(&op)
			e.Op = Operation(op)
		case "source_time":
			bit, ok = 16, d.timeInto(&e.SourceTime)
		case "pulled_at":
			bit, ok = 32, d.timeInto(&e.PulledAt)
		case "fields":
			bit, ok = 64, d.fields(e, fields)
		case "origin":
			bit, ok = 128, d.stringInto(&e.Origin)
		}
		if !ok || bit == 0 || seen&bit != 0 {
			return errSlowPath
		}
		seen |= bit
		d.space()
		if d.byte('}') {
			return d.end()
		}
		if !d.byte(',') {
			return errSlowPath
		}
	}
}

type envDecoder struct {
	s string
	i int
}

func (d *envDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *envDecoder) byte(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end accepts only white space after the object.
func (d *envDecoder) end() error {
	d.space()
	if d.i != len(d.s) {
		return errSlowPath
	}
	return nil
}

// plainString reads a string without escapes of valid UTF-8 and returns it
// (a substring of the input).
func (d *envDecoder) plainString() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	start := d.i
	ascii := true
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			v := d.s[start:d.i]
			d.i++
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return "", false
}

// stringInto reads a string value, escapes included, into *dst.
func (d *envDecoder) stringInto(dst *string) bool {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return false
	}
	save := d.i
	if v, ok := d.plainString(); ok {
		*dst = v
		return true
	}
	d.i = save
	v, ok := d.escapedString()
	*dst = v
	return ok
}

// escapedString reads a string with escapes, as encoding/json unquotes it;
// invalid UTF-8 or a control character is left to encoding/json.
func (d *envDecoder) escapedString() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	var out []byte
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			out = append(out, d.s[d.i:d.i+size]...)
			d.i += size
			continue
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.s) {
			return "", false
		}
		e := d.s[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if save := d.i; d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					d.i += 2
					if r2, ok = d.hex4(); !ok {
						return "", false
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						continue
					}
					d.i = save // not a pair: the second escape stands alone
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (d *envDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	d.i += 4
	return r, true
}

// timeInto reads an RFC 3339 string as Time.UnmarshalJSON does.
func (d *envDecoder) timeInto(t *time.Time) bool {
	start := d.i
	if _, ok := d.plainString(); !ok {
		return false
	}
	return t.UnmarshalJSON([]byte(d.s[start:d.i])) == nil
}

// fields reads an object of string values into e.Fields: into m if not
// nil (empty), else into a new map.
func (d *envDecoder) fields(e *Envelope, m map[string]string) bool {
	if !d.byte('{') {
		return false
	}
	if m == nil {
		m = make(map[string]string, 16)
	}
	d.space()
	if d.byte('}') {
		e.Fields = m
		return true
	}
	for {
		d.space()
		k, ok := d.plainString()
		if !ok {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		d.space()
		if !d.byte(':') {
			return false
		}
		d.space()
		var v string
		if !d.stringInto(&v) {
			return false
		}
		m[k] = v
		d.space()
		if d.byte('}') {
			e.Fields = m
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"strings"
)

// hmacPads returns the hex of HMAC-SHA-256's padded keys for key (RFC 2104:
// a key longer than the 64-byte block is hashed first, then zero-padded;
// inner = key xor 0x36…, outer = key xor 0x5c…). With them ClickHouse
// computes HMAC as SHA256(outer || SHA256(inner || value)) without the key
// itself in the SQL.
func hmacPads(key string) (ipad, opad string) {
	k := []byte(key)
	if len(k) > sha256.BlockSize {
		h := sha256.Sum256(k)
		k = h[:]
	}
	in, out := make([]byte, sha256.BlockSize), make([]byte, sha256.BlockSize)
	for i := range in {
		var b byte
		if i < len(k) {
			b = k[i]
		}
		in[i], out[i] = b^0x36, b^0x5c
	}
	return hex.EncodeToString(in), hex.EncodeToString(out)
}

// Pseudonym is the analytics database's key for value (an ID number,
// household_id or record key) under salt: upper-case hex of
// HMAC-SHA-256(salt, value), 64 characters, as the materialized views of
// migration 0080 compute it; "" for person_key and household_key of an
// empty value is the views' business, not this function's.
func Pseudonym(salt, value string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(value))
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

// Pseudonymizer computes Pseudonym for many values under one salt, reusing
// its HMAC state (about 1 µs and one 64-byte string per value). Not safe
// for concurrent use.
type Pseudonymizer struct {
	m   hash.Hash
	sum []byte
	hex [2 * sha256.Size]byte
}

// NewPseudonymizer returns a Pseudonymizer for salt.
func NewPseudonymizer(salt string) *Pseudonymizer {
	return &Pseudonymizer{m: hmac.New(sha256.New, []byte(salt)), sum: make([]byte, 0, sha256.Size)}
}

// Of returns Pseudonym(salt, value): 64 upper-case hex digits.
func (p *Pseudonymizer) Of(value string) string {
	const digits = "0123456789ABCDEF"
	p.m.Reset()
	_, _ = io.WriteString(p.m, value)
	p.sum = p.m.Sum(p.sum[:0])
	for i, b := range p.sum {
		p.hex[2*i], p.hex[2*i+1] = digits[b>>4], digits[b&0x0f]
	}
	return string(p.hex[:])
}

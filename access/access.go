// Package access authenticates API callers by key and carries who they are
// through a request's context. Keys are configured as SHA-256 hashes
// (APIKey, the entries of the config's api_keys) and compared in constant
// time; the key itself is never stored. It holds the one list of roles.
package access

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

// Roles.
const (
	RoleCounter    = "counter"    // eligibility checks; profiles with ID numbers and phones masked
	RoleCaseworker = "caseworker" // full profiles
	RoleDepartment = "department" // push to its own sources only
	RoleGovernance = "governance" // the 12345 hotline ranking and its public summary only (no person's data)
	RoleAdmin      = "admin"      // everything
)

// Roles lists every role a caller may have (api_keys[].role).
var Roles = []string{RoleCounter, RoleCaseworker, RoleDepartment, RoleGovernance, RoleAdmin}

// APIKey binds a caller's key (stored as its SHA-256, hex) to a role: one
// entry of the config's api_keys (config.Validate checks it).
type APIKey struct {
	Name      string   `yaml:"name"`       // caller name written to the audit log
	Role      string   `yaml:"role"`       // one of Roles
	KeySHA256 string   `yaml:"key_sha256"` // hex SHA-256 of the key; see `residenthub hash-key`
	Sources   []string `yaml:"sources"`    // for role department: the sources it may push to
}

// Caller is an authenticated API client.
type Caller struct {
	Name    string   // from config; written to the audit log
	Role    string   // one of the Role* constants
	Sources []string // for RoleDepartment: sources it may push to
}

// MayPushTo reports whether the caller may push records to the source.
func (c *Caller) MayPushTo(source string) bool {
	if c.Role == RoleAdmin {
		return true
	}
	return c.Role == RoleDepartment && slices.Contains(c.Sources, source)
}

// HasRole reports whether the caller has one of the roles; admin has every role.
func (c *Caller) HasRole(roles ...string) bool {
	return c.Role == RoleAdmin || slices.Contains(roles, c.Role)
}

// Keys looks callers up by API key.
type Keys struct {
	entries []keyEntry
}

type keyEntry struct {
	hash   []byte
	caller Caller
}

// HashKey returns the hex SHA-256 of an API key, the form APIKey.KeySHA256
// holds.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewKeys builds the lookup from configured keys (validated by config.Validate).
func NewKeys(keys []APIKey) *Keys {
	k := &Keys{}
	for _, c := range keys {
		h, err := hex.DecodeString(c.KeySHA256)
		if err != nil || len(h) != sha256.Size {
			continue
		}
		k.entries = append(k.entries, keyEntry{hash: h, caller: Caller{Name: c.Name, Role: c.Role, Sources: c.Sources}})
	}
	return k
}

// Lookup returns the caller owning key, comparing hashes in constant time.
func (k *Keys) Lookup(key string) (*Caller, bool) {
	if key == "" {
		return nil, false
	}
	sum := sha256.Sum256([]byte(key))
	var found *Caller
	for i := range k.entries {
		if subtle.ConstantTimeCompare(sum[:], k.entries[i].hash) == 1 {
			c := k.entries[i].caller
			found = &c
		}
	}
	return found, found != nil
}

// KeyFromRequest reads the API key from "Authorization: Bearer <key>" or the
// "X-API-Key" header.
func KeyFromRequest(r *http.Request) string {
	if scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(key) // the scheme is case-insensitive (RFC 9110 §11.1)
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

type ctxKey struct{}

// WithCaller returns a context carrying the caller.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the caller set by the authentication middleware.
func FromContext(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Caller)
	return c, ok && c != nil
}

package access

import (
	"net/http/httptest"
	"testing"
)

func TestLookupAndPermissions(t *testing.T) {
	keys := NewKeys([]APIKey{
		{Name: "hall-1", Role: RoleCounter, KeySHA256: HashKey("counter-secret")},
		{Name: "hukou-it", Role: RoleDepartment, KeySHA256: HashKey("dept-secret"), Sources: []string{"hukou"}},
	})
	f := func(key string, wantName string) {
		t.Helper()
		c, ok := keys.Lookup(key)
		if wantName == "" {
			if ok {
				t.Fatalf("Lookup(%q) found %v, want none", key, c)
			}
			return
		}
		if !ok || c.Name != wantName {
			t.Fatalf("Lookup(%q) = %v, %v, want %s", key, c, ok, wantName)
		}
	}
	f("counter-secret", "hall-1")
	f("dept-secret", "hukou-it")
	f("", "")
	f("counter-secret ", "")
	f("wrong", "")

	dept, _ := keys.Lookup("dept-secret")
	if !dept.MayPushTo("hukou") || dept.MayPushTo("payroll") {
		t.Fatal("department may push to its own source only")
	}
	counter, _ := keys.Lookup("counter-secret")
	if counter.MayPushTo("hukou") || !counter.HasRole(RoleCounter) || counter.HasRole(RoleCaseworker) {
		t.Fatal("counter role permissions wrong")
	}
	admin := &Caller{Role: RoleAdmin}
	if !admin.HasRole(RoleCaseworker) || !admin.MayPushTo("any") {
		t.Fatal("admin has every role")
	}
}

func TestKeyFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer abc")
	if KeyFromRequest(r) != "abc" {
		t.Fatal("bearer")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "bearer abc")
	if KeyFromRequest(r) != "abc" {
		t.Fatal("lower-case bearer")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Basic abc")
	if KeyFromRequest(r) != "" {
		t.Fatal("basic is not a key")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-API-Key", "xyz")
	if KeyFromRequest(r) != "xyz" {
		t.Fatal("x-api-key")
	}
}

package main

import "testing"

func TestOriginLess(t *testing.T) {
	f := func(a, b string, want bool) {
		t.Helper()
		if got := originLess(a, b); got != want {
			t.Fatalf("originLess(%q, %q) = %v, want %v", a, b, got, want)
		}
	}
	f("hukou.csv:9", "hukou.csv:10", true)
	f("hukou.csv:10", "hukou.csv:9", false)
	f("a.csv:100", "b.csv:1", true)
	f("p.xlsx:工资!635", "p.xlsx:工资!64", false)
	f("", "a.csv:1", true)
}

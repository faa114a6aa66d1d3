package csvsafe

import (
	"strings"
	"testing"
)

func TestNeutralize(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := Neutralize(in); got != want {
			t.Fatalf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
	f("", "")
	f("北京某某有限公司", "北京某某有限公司")
	f(`=HYPERLINK("http://x","click")`, `'=HYPERLINK("http://x","click")`)
	f("+86 138", "'+86 138")
	f("-1+1", "'-1+1")
	f("@SUM(A1)", "'@SUM(A1)")
	f("\t=1", "'\t=1")
	f("\r=1", "'\r=1")
	f("a=1", "a=1")
	f("'=1", "'=1") // already text
}

func TestWriterNeutralizesTextColumnsOnly(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b, []bool{true, false})
	if err := w.Write([]string{"=cmd|' /C calc'!A0", "-1250"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got, want := b.String(), "'=cmd|' /C calc'!A0,-1250\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

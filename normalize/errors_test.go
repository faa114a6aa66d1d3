package normalize

import (
	"strings"
	"testing"
)

func TestError(t *testing.T) {
	f := func(err error, want string) {
		t.Helper()
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	}
	_, err := Date("2023-02-29")
	f(err, `cannot normalize date "2023-02-29": is not a calendar date`)
	_, err = Name("１２３")
	f(err, `cannot normalize name "1**": is only digits`)
	_, _, err = IDNumberAt("110105194912310021", testNow)
	f(err, `cannot normalize id_number "110105********0021": check digit does not match`)
	_, err = Fen(strings.Repeat("1", 100))
	f(err, `cannot normalize amount "`+strings.Repeat("1", 64)+`…": is too large`)
}

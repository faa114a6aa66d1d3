package normalize

import (
	"errors"
	"fmt"
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
	f(WithField(err, "birth_date"), `cannot normalize birth_date "2023-02-29": is not a calendar date`)
	f(WithField(fmt.Errorf("row 3: %w", err), "birth_date"), `cannot normalize birth_date "2023-02-29": is not a calendar date`)
	_, err = labelledNote("张三丰")
	f(WithField(err, FieldName), `cannot normalize name "张**": is only digits`)
	_, _, err = IDNumberAt("110105194912310021", testNow)
	f(err, `cannot normalize id_number "110105********0021": check digit does not match`)
	_, err = Fen(strings.Repeat("1", 100))
	f(err, `cannot normalize amount "`+strings.Repeat("1", 64)+`…": is too large`)

	if WithField(nil, "x") != nil {
		t.Fatal("WithField(nil) must be nil")
	}
	plain := errors.New("plain")
	if WithField(plain, "x") != plain {
		t.Fatal("WithField must return other errors unchanged")
	}
}

// labelledNote makes an *Error whose value is a full name under a non-name
// field, to check that WithField masks it when relabelled as a name.
func labelledNote(s string) (string, error) {
	return "", &Error{Field: "note", Value: s, Reason: "is only digits"}
}

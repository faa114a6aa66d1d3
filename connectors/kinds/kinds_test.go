package kinds

import "testing"

func TestRegistry(t *testing.T) {
	for _, k := range []string{"sql", "http", "file", "push"} {
		if Kinds[k] == nil {
			t.Fatalf("kind %q not registered", k)
		}
	}
}

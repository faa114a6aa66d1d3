package connectors

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/residenthub/residenthub/config"
	"gopkg.in/yaml.v3"
)

// DecodeSettings decodes a source's settings into v strictly: unknown keys
// are errors, so a typo does not fall back to a default. Empty settings leave
// v unchanged. Kinds set their defaults in v before calling it.
func DecodeSettings(src *config.Source, v any) error {
	if src.Settings.Kind == 0 {
		return nil
	}
	b, err := yaml.Marshal(&src.Settings)
	if err != nil {
		return fmt.Errorf("cannot read settings: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("cannot decode settings: %w", err)
	}
	return nil
}

// Secret returns the value of the environment variable named env, so secrets
// (passwords, tokens) never sit in the config file or the logs.
func Secret(env string) (string, error) {
	v, ok := os.LookupEnv(env)
	if !ok || strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("environment variable %s is not set", env)
	}
	return v, nil
}

// Flatten turns a decoded JSON object into a row's values: nested objects
// become dotted column names ({"a":{"b":1}} → "a.b"), arrays stay whole (and
// are rendered as JSON by FormatValue). Numbers should be json.Number
// (decode with UseNumber) so they keep every digit.
func Flatten(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	flattenInto(out, "", obj)
	return out
}

func flattenInto(out map[string]any, prefix string, obj map[string]any) {
	for k, v := range obj {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if m, ok := v.(map[string]any); ok {
			flattenInto(out, name, m)
			continue
		}
		out[name] = v
	}
}

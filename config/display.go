package config

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SourceNames maps each source with a display_name to it.
func (c *Config) SourceNames() map[string]string {
	out := map[string]string{}
	for _, s := range c.Sources {
		if s.DisplayName != "" {
			out[s.Name] = s.DisplayName
		}
	}
	return out
}

// FullIDNumber reports whether the printed certificate shows the ID number in full.
func (c Certificate) FullIDNumber() bool { return c.IDNumber != IDNumberMasked }

func (c Certificate) validate() error {
	if c.IDNumber != IDNumberFull && c.IDNumber != IDNumberMasked {
		return fmt.Errorf("certificate.id_number %q: want %s or %s", c.IDNumber, IDNumberFull, IDNumberMasked)
	}
	if strings.TrimSpace(c.Issuer) == "" {
		return fmt.Errorf("certificate.issuer must not be empty (default %s)", DefaultIssuer)
	}
	if err := validateText(c.Issuer, 64); err != nil {
		return fmt.Errorf("certificate.issuer: %w", err)
	}
	return nil
}

func validatePlaces(names map[string]string) error {
	for code, name := range names {
		if (len(code) != 9 && len(code) != 12) || strings.Trim(code, "0123456789") != "" {
			return fmt.Errorf("places.names: %q is not a 9- or 12-digit division code", code)
		}
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("places.names: %s has an empty name", code)
		}
		if err := validateText(name, 64); err != nil {
			return fmt.Errorf("places.names: %s: %w", code, err)
		}
	}
	return nil
}

// validateText checks a name shown to people: valid UTF-8, one line, at
// most max characters.
func validateText(s string, max int) error {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("must be one line of text")
	case utf8.RuneCountInString(s) > max:
		return fmt.Errorf("must be at most %d characters", max)
	}
	return nil
}

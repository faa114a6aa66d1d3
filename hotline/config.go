package hotline

import (
	"fmt"
	"time"
)

// Config is the hotline section of the hub's config (hotline:); config
// decodes it and calls Validate.
type Config struct {
	// CaseWindowDays: calls by one caller about one kind in one place form
	// one case while each comes within this many days of the previous
	// (default 30).
	CaseWindowDays int `yaml:"case_window_days"`
	// Categories maps department categories to problem kinds, over the
	// default table (DefaultCategories); a new kind needs a committee.
	Categories map[string]string `yaml:"categories"`
	// Committees and the kinds each owns; empty = DefaultCommittees.
	Committees []Committee `yaml:"committees"`
	// Places maps area or address text (a residential estate, a building
	// name, a street's old name) to a 12-digit community code, for tickets
	// without a community code.
	Places map[string]string `yaml:"places"`
	// SuppressBelow: cells of the public summary with fewer cases are
	// suppressed (default 5; never below 5).
	SuppressBelow int `yaml:"suppress_below"`
	// Refresh: the API's precomputed counts (hotlinedb.Snapshots) are
	// computed again when older than this and the year's tickets changed
	// since (default 10m; at least 1s).
	Refresh time.Duration `yaml:"refresh"`
}

// DefaultRefresh is the default hotline.refresh.
const DefaultRefresh = 10 * time.Minute

// MinSuppressBelow is the smallest SuppressBelow accepted: a count under 5
// cases can point at a household.
const MinSuppressBelow = 5

// DefaultConfig is the hotline section where the config is silent.
func DefaultConfig() Config {
	return Config{CaseWindowDays: DefaultWindowDays, SuppressBelow: MinSuppressBelow, Refresh: DefaultRefresh}
}

// Settings are the ready-to-use parts of a Config.
type Settings struct {
	Taxonomy      *Taxonomy
	Committees    *Committees
	Window        time.Duration
	SuppressBelow int
	Refresh       time.Duration
	// Places maps area/address text to communities (NewResolver needs the
	// community names too, so it is built by the caller with Settings.Resolver).
	Places map[string]string
}

// Validate checks the section: the window, the suppression threshold, that
// every kind has exactly one committee, the place mapping's codes.
func (c Config) Validate() error {
	_, err := c.Settings()
	return err
}

// Settings builds the taxonomy and committees of c.
func (c Config) Settings() (*Settings, error) {
	if c.CaseWindowDays < 1 || c.CaseWindowDays > 366 {
		return nil, fmt.Errorf("hotline.case_window_days must be 1..366, not %d", c.CaseWindowDays)
	}
	if c.SuppressBelow < MinSuppressBelow {
		return nil, fmt.Errorf("hotline.suppress_below must be at least %d, not %d", MinSuppressBelow, c.SuppressBelow)
	}
	if c.Refresh < time.Second {
		return nil, fmt.Errorf("hotline.refresh must be at least 1s, not %s", c.Refresh)
	}
	for cat, kind := range c.Categories {
		if CategoryKey(cat) == "" || CategoryKey(kind) == "" {
			return nil, fmt.Errorf("hotline.categories: %q → %q: both must be non-empty", cat, kind)
		}
	}
	tax := NewTaxonomy(c.Categories)
	list := c.Committees
	if len(list) == 0 {
		list = DefaultCommittees
	}
	cm, err := NewCommittees(list, tax)
	if err != nil {
		return nil, fmt.Errorf("hotline.committees: %w", err)
	}
	if _, err := NewResolver(nil, nil, c.Places); err != nil {
		return nil, err
	}
	return &Settings{Taxonomy: tax, Committees: cm, Window: time.Duration(c.CaseWindowDays) * 24 * time.Hour,
		SuppressBelow: c.SuppressBelow, Refresh: c.Refresh, Places: c.Places}, nil
}

// Resolver returns the resolver of the settings' place mapping with the
// district's community names and the street names of the public tables
// (streetName of a 9-digit code, may be nil).
func (s *Settings) Resolver(communities map[string]string, streetName func(code9 string) string) (*Resolver, error) {
	streets := map[string]string{}
	if streetName != nil {
		for code := range communities {
			if len(code) == communityLen {
				streets[code[:streetLen]] = streetName(code[:streetLen])
			}
		}
	}
	return NewResolver(communities, streets, s.Places)
}

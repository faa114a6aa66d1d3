package httpconn

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
)

// Settings are the http kind's settings (source "settings:").
type Settings struct {
	URL string `yaml:"url"` // GET endpoint returning JSON; required
	// Query adds fixed query parameters; Headers fixed request headers.
	Query   map[string]string `yaml:"query"`
	Headers map[string]string `yaml:"headers"`
	Auth    Auth              `yaml:"auth"`
	// Pagination: none (default), page (page_param = 1, 2, ...) or cursor
	// (cursor_param = the value at next_cursor of the previous response).
	Pagination    string `yaml:"pagination"`
	PageParam     string `yaml:"page_param"`      // default "page"
	FirstPage     int    `yaml:"first_page"`      // default 1
	PageSizeParam string `yaml:"page_size_param"` // e.g. "page_size"; empty = not sent
	PageSize      int    `yaml:"page_size"`       // default 100
	CursorParam   string `yaml:"cursor_param"`    // default "cursor"
	NextCursor    string `yaml:"next_cursor"`     // dot path, e.g. "meta.next_cursor"
	// Page pagination ends at the first empty page, never at a short one
	// (APIs cap the page size below page_size), or earlier when one of these
	// optional dot paths of the response says the page was the last: the
	// number of records of the whole result (TotalField, e.g. "data.total";
	// the run counts the records it read), the number of pages
	// (TotalPagesField, counted from first_page) or a boolean true on the
	// last page (LastPageField). A response without the field falls back to
	// the empty page.
	TotalField      string `yaml:"total_field"`
	TotalPagesField string `yaml:"total_pages_field"`
	LastPageField   string `yaml:"last_page_field"`
	// Items is the dot path of the array of records in the response
	// ("data.items"); empty when the response is the array itself.
	Items string `yaml:"items"`
	// SinceParam asks for records changed since the last run
	// ("changed_since"); the value is the greatest SinceField seen (default
	// the source's source_time column), formatted by SinceFormat: rfc3339
	// (default, UTC), unix, unix_ms, or a Go layout in Shanghai time.
	SinceParam  string `yaml:"since_param"`
	SinceField  string `yaml:"since_field"`
	SinceFormat string `yaml:"since_format"`
	// SinceOverlap is subtracted from the since value (clock skew, late
	// writes); repeats are harmless downstream. Default 0.
	SinceOverlap time.Duration `yaml:"since_overlap"`
	// Timeout per request (default 30s); MaxRetries on network errors, 5xx
	// and 429 (default 5, never on other 4xx); Backoff the first retry's
	// wait, doubled each time with jitter up to MaxBackoff (default 1s, 1m).
	// A Retry-After longer than MaxBackoff ends the run and postpones the
	// source's next run instead of sleeping.
	Timeout    time.Duration `yaml:"timeout"`
	MaxRetries int           `yaml:"max_retries"`
	Backoff    time.Duration `yaml:"backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// Auth says how to authenticate; the secret comes from an environment
// variable and is never logged.
type Auth struct {
	Type     string `yaml:"type"`      // none (default), bearer, api_key
	Header   string `yaml:"header"`    // api_key: header name, default X-API-Key
	TokenEnv string `yaml:"token_env"` // environment variable holding the token/key
}

func decodeSettings(src *config.Source) (Settings, error) {
	s := Settings{
		Pagination: "none", PageParam: "page", FirstPage: 1, PageSize: 100, CursorParam: "cursor",
		SinceFormat: "rfc3339", Timeout: 30 * time.Second, MaxRetries: 5, Backoff: time.Second, MaxBackoff: time.Minute,
		Auth: Auth{Type: "none", Header: "X-API-Key"},
	}
	if err := connectors.DecodeSettings(src, &s); err != nil {
		return s, err
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, fmt.Errorf("settings.url %q: want an http(s) URL", s.URL)
	}
	if s.Pagination != "page" && (s.TotalField != "" || s.TotalPagesField != "" || s.LastPageField != "") {
		return s, errors.New("settings.total_field, total_pages_field and last_page_field apply to pagination: page only")
	}
	switch s.Pagination {
	case "none", "page":
	case "cursor":
		if s.NextCursor == "" {
			return s, errors.New("settings.next_cursor is required with cursor pagination")
		}
	default:
		return s, fmt.Errorf("settings.pagination %q: want none, page or cursor", s.Pagination)
	}
	switch s.Auth.Type {
	case "none":
	case "bearer", "api_key":
		if s.Auth.TokenEnv == "" {
			return s, errors.New("settings.auth.token_env is required (the name of the environment variable holding the secret)")
		}
	default:
		return s, fmt.Errorf("settings.auth.type %q: want none, bearer or api_key", s.Auth.Type)
	}
	if s.SinceField == "" {
		s.SinceField = src.SourceTime
	}
	if s.SinceParam != "" && s.SinceField == "" {
		return s, errors.New("settings.since_param needs since_field or the source's source_time")
	}
	if s.PageSize < 1 || s.Timeout <= 0 || s.MaxRetries < 0 || s.Backoff <= 0 || s.MaxBackoff < s.Backoff {
		return s, errors.New("settings: page_size, timeout, backoff must be positive, max_retries not negative, max_backoff >= backoff")
	}
	return s, nil
}

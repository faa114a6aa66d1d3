// Package httpconn is the connector kind that pulls JSON from a department
// REST API: bearer or API-key auth, page or cursor pagination, a "changed
// since" parameter, per-request timeouts, and retries with backoff on
// network errors, 5xx and 429 (honouring Retry-After) but never on other
// 4xx.
package httpconn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/retry"
)

// maxBodyBytes bounds one response body; a larger page fails the run (lower
// page_size).
const maxBodyBytes = 256 << 20

// errBodyTooLarge marks a response over the limit: retrying cannot help.
var errBodyTooLarge = errors.New("response body too large")

// Conn pulls one source from its API.
type Conn struct {
	s       Settings
	client  *http.Client
	sleep   func(ctx context.Context, d time.Duration) error
	maxBody int64 // maxBodyBytes; lowered by tests
}

var _ connectors.Puller = (*Conn)(nil)

// New is the http kind's connectors.Factory.
func New(src *config.Source) (connectors.Puller, error) {
	s, err := decodeSettings(src)
	if err != nil {
		return nil, err
	}
	return &Conn{s: s, client: &http.Client{Timeout: s.Timeout}, sleep: sleepCtx, maxBody: maxBodyBytes}, nil
}

// position is the http kind's cursor: the since value for this and the next
// run, and, while a run is in progress, where to resume (page number or
// cursor token) and the greatest since value seen so far in the run.
type position struct {
	Since    string `json:"since,omitempty"`     // RFC 3339 UTC
	Page     int    `json:"page,omitempty"`      // next page to read (page pagination)
	Token    string `json:"token,omitempty"`     // next cursor token (cursor pagination)
	RunSince string `json:"run_since,omitempty"` // greatest since value of this run so far
	Items    int64  `json:"items,omitempty"`     // items read so far in this run (page pagination)
}

func (p position) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Pull reads every page changed since the last run. After each page it
// checkpoints where to resume; at the end it moves since to the greatest
// change time seen, so a crash resumes mid-run with the same since value.
func (c *Conn) Pull(ctx context.Context, run *connectors.Run) error {
	var pos position
	if run.Cursor != "" {
		if err := json.Unmarshal([]byte(run.Cursor), &pos); err != nil {
			return fmt.Errorf("cannot decode cursor: %w", err)
		}
	}
	page := pos.Page
	if page == 0 {
		page = c.s.FirstPage
	}
	token := pos.Token
	runSince := pos.RunSince
	items := pos.Items
	var prevDigest [32]byte // of the previous page's items in this run
	havePrev, warned := false, false
	for {
		q := url.Values{}
		if c.s.SinceParam != "" && pos.Since != "" {
			v, err := c.sinceValue(pos.Since)
			if err != nil {
				return err
			}
			q.Set(c.s.SinceParam, v)
		}
		switch c.s.Pagination {
		case "page":
			q.Set(c.s.PageParam, strconv.Itoa(page))
		case "cursor":
			if token != "" {
				q.Set(c.s.CursorParam, token)
			}
		}
		if c.s.PageSizeParam != "" {
			q.Set(c.s.PageSizeParam, strconv.Itoa(c.s.PageSize))
		}
		body, reqURL, err := c.get(ctx, run, q)
		if err != nil {
			return err
		}
		pg, err := c.parse(body, reqURL)
		if err != nil {
			return err
		}
		rows, bad, next := pg.rows, pg.bad, pg.next
		for _, r := range rows {
			if v, ok := connectors.FormatValue(r.Values[c.s.SinceField]); ok && c.s.SinceField != "" {
				if t, err := connectors.ParseSourceTime(v); err == nil {
					ts := t.Format(time.RFC3339Nano)
					if runSince == "" || t.After(mustTime(runSince)) {
						runSince = ts
					}
				}
			}
		}
		done := false
		switch c.s.Pagination {
		case "none":
			done = true
		case "page":
			n := len(rows) + len(bad)
			if n > 0 && havePrev && pg.digest == prevDigest {
				// Past the end, APIs that clamp the page number (e.g.
				// PageHelper's "reasonable") answer the last page again: the
				// end, and nothing new to publish. An API that ignores
				// page_param looks the same at page 2; warn when page 1
				// was full.
				level := slog.LevelDebug
				if page == c.s.FirstPage+1 && n >= c.s.PageSize {
					level = slog.LevelWarn
				}
				run.Logger.Log(ctx, level, "page answered with the same items as the previous page; taken as the end (the API clamps the page number, or ignores settings.page_param)",
					"url", redact(reqURL), "page", page, "page_param", c.s.PageParam)
				rows, bad, n = nil, nil, 0
			}
			prevDigest, havePrev = pg.digest, true
			items += int64(n)
			last, known := c.lastPage(pg.doc, page, items)
			if !known && !warned && (c.s.TotalField != "" || c.s.TotalPagesField != "" || c.s.LastPageField != "") {
				warned = true
				run.Logger.Warn("response lacks the configured total/last-page field; reading up to an empty page", "url", redact(reqURL))
			}
			page++
			// A short page is not the end: APIs cap the page size below
			// page_size. Only an empty page or the API's own word is.
			done = n == 0 || last
		case "cursor":
			token = next
			done = next == "" || len(rows)+len(bad) == 0
		}
		cur := position{Since: pos.Since, Page: page, Token: token, RunSince: runSince}
		if c.s.Pagination == "page" {
			cur.Items = items
		}
		if done {
			cur = position{Since: pos.Since}
			if runSince != "" && (pos.Since == "" || mustTime(runSince).After(mustTime(pos.Since))) {
				cur.Since = runSince
			}
		}
		if err := c.emit(ctx, run, rows, bad, cur.String()); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

func (c *Conn) emit(ctx context.Context, run *connectors.Run, rows []connectors.Row, bad []badItem, cursor string) error {
	var dead []connectors.BadRecord
	for i, b := range bad {
		dead = append(dead, connectors.BadRecord{Index: i, Origin: b.origin, Reason: "item is not a JSON object", Original: []byte(b.raw)})
	}
	return run.EmitWithBad(ctx, rows, dead, cursor)
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// sinceValue formats the since parameter.
func (c *Conn) sinceValue(since string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, since)
	if err != nil {
		return "", fmt.Errorf("cannot read since %q: %w", since, err)
	}
	t = t.Add(-c.s.SinceOverlap)
	switch c.s.SinceFormat {
	case "rfc3339":
		return t.UTC().Format(time.RFC3339Nano), nil
	case "unix":
		return strconv.FormatInt(t.Unix(), 10), nil
	case "unix_ms":
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	return t.In(connectors.Shanghai).Format(c.s.SinceFormat), nil
}

type badItem struct{ origin, raw string }

// parsedPage is one response: its items as rows (objects) or bad items (any
// other JSON value), the next cursor token (cursor pagination), the decoded
// document (for the last-page fields) and a digest of the items (to notice
// a page answered again: past the end, or page_param ignored).
type parsedPage struct {
	rows   []connectors.Row
	bad    []badItem
	next   string
	doc    any
	digest [32]byte
}

// parse extracts the items and the next cursor token from a response.
func (c *Conn) parse(body []byte, reqURL string) (parsedPage, error) {
	var pg parsedPage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&pg.doc); err != nil {
		return pg, fmt.Errorf("cannot decode response of %s: %s", redact(reqURL), connectors.JSONErrorText(err))
	}
	itemsV, ok := lookup(pg.doc, c.s.Items)
	if !ok {
		return pg, fmt.Errorf("response has no %q", c.s.Items)
	}
	var items []any
	switch x := itemsV.(type) {
	case []any:
		items = x
	case nil:
	default:
		return pg, fmt.Errorf("response %q is not an array", c.s.Items)
	}
	if b, err := json.Marshal(items); err == nil {
		pg.digest = sha256.Sum256(b)
	}
	for i, it := range items {
		origin := fmt.Sprintf("%s item %d", redact(reqURL), i)
		obj, ok := it.(map[string]any)
		if !ok {
			b, _ := json.Marshal(it)
			pg.bad = append(pg.bad, badItem{origin, string(b)})
			continue
		}
		pg.rows = append(pg.rows, connectors.Row{Values: connectors.Flatten(obj), Origin: origin})
	}
	if c.s.Pagination == "cursor" {
		if v, ok := lookup(pg.doc, c.s.NextCursor); ok {
			pg.next, _ = connectors.FormatValue(v)
		}
	}
	return pg, nil
}

// lastPage reads the configured total/last-page fields of a page
// pagination response: page is the number of the page just read, items the
// items read in this run including it. known is false when a field is
// configured but missing or unreadable in doc (and none said "last").
func (c *Conn) lastPage(doc any, page int, items int64) (last, known bool) {
	known = true
	if c.s.LastPageField != "" {
		v, ok := lookup(doc, c.s.LastPageField)
		s, _ := connectors.FormatValue(v)
		switch b, err := strconv.ParseBool(strings.TrimSpace(s)); {
		case !ok || err != nil:
			known = false
		case b:
			return true, true
		}
	}
	if c.s.TotalPagesField != "" {
		if n, ok := number(doc, c.s.TotalPagesField); !ok {
			known = false
		} else if int64(page-c.s.FirstPage+1) >= n {
			return true, true
		}
	}
	if c.s.TotalField != "" {
		if n, ok := number(doc, c.s.TotalField); !ok {
			known = false
		} else if items >= n {
			return true, true
		}
	}
	return false, known
}

// number reads a non-negative integer (JSON number or numeric string) at a
// dot path.
func number(doc any, path string) (int64, bool) {
	v, ok := lookup(doc, path)
	if !ok {
		return 0, false
	}
	s, _ := connectors.FormatValue(v)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}

// lookup follows a dot path through JSON objects; "" is the document.
func lookup(doc any, path string) (any, bool) {
	if path == "" {
		return doc, true
	}
	cur := doc
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// redact drops the query string (it may hold keys) from a URL for messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// statusError is an HTTP answer the connector does not accept.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.code, http.StatusText(e.code), e.body)
}

// get performs one GET with retries: network errors, 5xx and 429 are
// retried with exponential backoff and jitter (or Retry-After), other 4xx
// fail at once.
func (c *Conn) get(ctx context.Context, run *connectors.Run, q url.Values) ([]byte, string, error) {
	u, _ := url.Parse(c.s.URL)
	vals := u.Query()
	for k, v := range c.s.Query {
		vals.Set(k, v)
	}
	for k, v := range q {
		vals[k] = v
	}
	u.RawQuery = vals.Encode()
	reqURL := u.String()
	secret := ""
	if c.s.Auth.Type != "none" {
		var err error
		if secret, err = connectors.Secret(c.s.Auth.TokenEnv); err != nil {
			return nil, reqURL, err
		}
	}
	var lastErr error
	bo := retry.New(c.s.Backoff, c.s.MaxBackoff)
	bo.Jitter = true
	for attempt := 0; ; attempt++ {
		body, wait, err := c.once(ctx, reqURL, secret)
		if err == nil {
			return body, reqURL, nil
		}
		lastErr = err
		var se *statusError
		retryable := !errors.As(err, &se) || se.code == http.StatusTooManyRequests || se.code >= 500
		if !retryable || errors.Is(err, errBodyTooLarge) || ctx.Err() != nil {
			return nil, reqURL, fmt.Errorf("cannot GET %s: %w", redact(reqURL), err)
		}
		if attempt >= c.s.MaxRetries {
			err := fmt.Errorf("cannot GET %s after %d attempts: %w", redact(reqURL), attempt+1, lastErr)
			if wait > 0 {
				return nil, reqURL, connectors.BackOff(err, wait)
			}
			return nil, reqURL, err
		}
		if wait == 0 {
			wait = bo.Next()
		}
		if wait > c.s.MaxBackoff {
			return nil, reqURL, connectors.BackOff(fmt.Errorf("cannot GET %s: %w", redact(reqURL), err), wait)
		}
		run.Logger.Warn("request failed; retrying", "url", redact(reqURL), "err", err, "wait", wait, "attempt", attempt+1)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, reqURL, err
		}
	}
}

// once performs one request; wait is the server's Retry-After, if any.
func (c *Conn) once(ctx context.Context, reqURL, secret string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reqURL, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range c.s.Headers {
		req.Header.Set(k, v)
	}
	switch c.s.Auth.Type {
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+secret)
	case "api_key":
		req.Header.Set(c.s.Auth.Header, secret)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	// One byte past the limit tells a body of exactly the limit from a
	// longer one, which is refused rather than cut (and then misread).
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read response: %w", err)
	}
	if resp.StatusCode/100 == 2 {
		if int64(len(body)) > c.maxBody {
			return nil, 0, fmt.Errorf("%w: HTTP %d body is larger than the limit of %s (lower settings.page_size)", errBodyTooLarge, resp.StatusCode, byteSize(c.maxBody))
		}
		return body, 0, nil
	}
	snippet := string(body)
	if len(snippet) > 200 {
		snippet = snippet[:200] + "..."
	}
	return nil, retryAfter(resp.Header.Get("Retry-After"), time.Now()), &statusError{code: resp.StatusCode, body: snippet}
}

// byteSize formats a limit: "256 MiB", or bytes below 1 MiB.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

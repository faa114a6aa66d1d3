// Package connlimit bounds the HTTP connections that have not yet shown an
// API key. Every connection starts unauthenticated; the API marks it
// authenticated (MarkAuthenticated) once a request on it passes the key
// check, and from then on it no longer counts. When a new connection would
// exceed the limit, the oldest unauthenticated connection that is not in the
// middle of a request is closed to make room — a new one (a counter terminal
// reconnecting) is always accepted, so a crowd of slow or idle connections
// from someone without a key cannot lock the counters out; the server's read,
// write and idle timeouts bound each of them anyway.
package connlimit

import (
	"container/list"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Listener wraps a net.Listener with the limit. Use it with an http.Server
// whose ConnState and ConnContext are set to the Listener's methods (Serve
// does that).
type Listener struct {
	net.Listener
	max int
	// OnEvict, when set, is called (without locks held) each time a
	// connection is closed to make room; e.g. a metric counter.
	OnEvict func()

	mu     sync.Mutex
	unauth *list.List // of *conn, oldest first
}

// New returns ln limited to max unauthenticated connections (max >= 1).
func New(ln net.Listener, max int) *Listener {
	if max < 1 {
		max = 1
	}
	return &Listener{Listener: ln, max: max, unauth: list.New()}
}

// conn is one accepted connection and its place in the unauthenticated list.
type conn struct {
	net.Conn
	l       *Listener
	elem    *list.Element // nil once authenticated or closed
	active  bool          // a request is being read or served
	started bool          // a request has begun on it
	once    sync.Once
}

// Accept accepts a connection, first closing the oldest idle
// unauthenticated one when the limit is reached.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	wc := &conn{Conn: c, l: l}
	var victims []*conn
	l.mu.Lock()
	for e := l.unauth.Front(); e != nil && l.unauth.Len() >= l.max; {
		next := e.Next()
		if v := e.Value.(*conn); !v.active {
			l.unauth.Remove(e)
			v.elem = nil
			victims = append(victims, v)
		}
		e = next
	}
	wc.elem = l.unauth.PushBack(wc)
	l.mu.Unlock()
	for _, v := range victims {
		go v.evict()
		if l.OnEvict != nil {
			l.OnEvict()
		}
	}
	return wc, nil
}

// evictedBody is the answer an evicted connection that never sent a request
// reads before it is closed.
const evictedBody = `{"error":"too_many_connections","detail":"too many connections without an API key are open; this idle one was closed to make room — reconnect and send the key"}`

// evict closes a connection to make room; one that never began a request
// first reads a 503 saying why.
func (c *conn) evict() {
	c.l.mu.Lock()
	started := c.started
	c.l.mu.Unlock()
	if !started {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c.Conn, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "+
			strconv.Itoa(len(evictedBody))+"\r\n\r\n"+evictedBody)
	}
	_ = c.Conn.Close()
}

// Unauthenticated returns how many connections have not shown a key yet.
func (l *Listener) Unauthenticated() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unauth.Len()
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.elem != nil {
			c.l.unauth.Remove(c.elem)
			c.elem = nil
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// ConnState is the http.Server.ConnState hook: it tells the listener which
// connections are in the middle of a request (those are never evicted).
func (l *Listener) ConnState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	l.mu.Lock()
	c.active = state == http.StateActive
	c.started = c.started || c.active
	l.mu.Unlock()
}

type ctxKey struct{}

// ConnContext is the http.Server.ConnContext hook: it puts the connection
// into every request's context for MarkAuthenticated.
func (l *Listener) ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := nc.(*conn); ok {
		return context.WithValue(ctx, ctxKey{}, c)
	}
	return ctx
}

// MarkAuthenticated takes the connection that carries the request of ctx
// out of the unauthenticated count. It does nothing for a request that did
// not come through a Listener (tests, other servers).
func MarkAuthenticated(ctx context.Context) {
	c, ok := ctx.Value(ctxKey{}).(*conn)
	if !ok {
		return
	}
	c.l.mu.Lock()
	if c.elem != nil {
		c.l.unauth.Remove(c.elem)
		c.elem = nil
	}
	c.l.mu.Unlock()
}

// Serve serves srv on l with the hooks set (srv's own ConnState and
// ConnContext are replaced).
func (l *Listener) Serve(srv *http.Server) error {
	srv.ConnState = l.ConnState
	srv.ConnContext = l.ConnContext
	return srv.Serve(l)
}

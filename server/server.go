package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// Logger receives connection-level events (protocol errors, recovered panics).
	// nil discards them.
	Logger *slog.Logger
	// ServerVersion is reported as the server_version parameter. Clients pick SQL
	// dialect features from it, so it must look like a Postgres version;
	// default "13.0.0" (psql, pgjdbc and SQLAlchemy then send their Postgres 13
	// catalog queries).
	ServerVersion string
	// TLS, when set, is offered to clients that send an SSLRequest.
	TLS *tls.Config
	// Auth says which clients must give a password; the zero value trusts all.
	Auth Auth
	// MaxMessageSize bounds one client message; larger ones close the connection
	// (FATAL 08P01). Default 64 MiB.
	MaxMessageSize int
	// StartupTimeout bounds the time from accepting a connection to a complete
	// startup packet. Default 30s.
	StartupTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ServerVersion == "" {
		c.ServerVersion = "13.0.0"
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 64 << 20
	}
	if c.StartupTimeout <= 0 {
		c.StartupTimeout = 30 * time.Second
	}
	return c
}

// Server accepts Postgres wire protocol connections and runs their statements on
// an Engine, one Session per connection.
type Server struct {
	cfg Config
	eng Engine
	log *slog.Logger

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	sessions  *cancelKeys
	wg        sync.WaitGroup
	scram     map[string]scramCredential
}

// New returns a Server that opens sessions on eng.
func New(cfg Config, eng Engine) *Server {
	cfg = cfg.withDefaults()
	scram := map[string]scramCredential{}
	for user, password := range cfg.Auth.Users {
		cred, err := newSCRAMCredential(password)
		if err != nil {
			panic(fmt.Sprintf("server: SCRAM credential: %v", err)) // crypto/rand failed
		}
		scram[user] = cred
	}
	return &Server{
		scram:     scram,
		cfg:       cfg,
		eng:       eng,
		log:       cfg.Logger,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
		sessions:  newCancelKeys(),
	}
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("server: closed")

// Serve accepts connections on ln until ln fails or Close is called, serving each
// on its own goroutine. It returns ErrServerClosed after Close, and otherwise the
// listener's error. Serve may be called for several listeners.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if transientAcceptError(err) {
				// The process is out of file descriptors or buffers, or a client
				// went away mid-handshake: back off as net/http does, and serve
				// again once connections close.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, nc)
		if !s.track(c) {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// transientAcceptError reports whether an Accept error passes with time:
// descriptor or memory exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM), a
// connection aborted before it was accepted, or a timeout. Anything else
// (the listener closed under us) ends Serve.
func transientAcceptError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// track registers a new connection; false once the server is closed.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// untrack is called by a connection's goroutine as its last act.
func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops accepting, cancels every running statement, closes every connection
// and waits for their goroutines (and so their Session.Execute calls) to return.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var err error
	for ln := range s.listeners {
		if cerr := ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
			err = cerr
		}
	}
	for c := range s.conns {
		c.kill()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// ActiveSessions returns the number of connections that completed startup and
// have not yet ended.
func (s *Server) ActiveSessions() int { return s.sessions.len() }

package server

import (
	"crypto/rand"
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
	// StartupTimeout bounds the time from accepting a connection to the end of
	// its authentication (startup packet, TLS handshake, password exchange), as
	// PostgreSQL's authentication_timeout does. Default 60s, PostgreSQL's.
	StartupTimeout time.Duration
	// MaxConnections bounds the open client connections; one more is refused
	// with FATAL 53300 as PostgreSQL's max_connections does. Default 500.
	MaxConnections int
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
		c.StartupTimeout = 60 * time.Second
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 500
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
	// fakeSCRAM derives the credential shown for unknown users; failures
	// slows down repeated failed logins.
	fakeSCRAM []byte
	failures  *loginFailures
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
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(fmt.Sprintf("server: SCRAM secret: %v", err)) // crypto/rand failed
	}
	return &Server{
		scram:     scram,
		fakeSCRAM: secret,
		failures:  newLoginFailures(),
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
		tracked, full := s.track(c)
		if !tracked {
			nc.Close()
			return ErrServerClosed
		}
		if full {
			go c.refuse(fatalResponse("53300", "sorry, too many clients already"))
			continue
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
// full is set when the connection is one over MaxConnections: it is tracked
// (so Close waits for it) only to be refused.
func (s *Server) track(c *conn) (tracked, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true, len(s.conns) > s.cfg.MaxConnections
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

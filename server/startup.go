package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startup runs the startup phase: it answers an SSLRequest with 'S' and a TLS
// handshake when TLS is configured ('N' otherwise), refuses GSS encryption, serves
// a CancelRequest, and returns the StartupMessage parameters and the reader to go
// on with (over TLS after a handshake). ok is false when the connection must end.
func (c *conn) startup(fr *frameReader) (params map[string]string, _ *frameReader, ok bool) {
	for {
		msg, err := fr.readStartup()
		if err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				c.send(fatalResponse("08P01", pe.msg))
				c.flush()
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Debug("startup failed", "err", err)
			}
			return nil, nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.srv.cfg.TLS == nil || c.tls != nil {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return nil, nil, false
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return nil, nil, false
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				c.log.Debug("TLS handshake failed", "err", err)
				return nil, nil, false
			}
			c.tls = tc
			c.out = pgproto3.NewBackend(nil, tc)
			fr = newFrameReader(tc, c.srv.cfg.MaxMessageSize)
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, nil, false
			}
		case *pgproto3.CancelRequest:
			// Postgres answers nothing and closes, whether or not the key matched.
			if target := c.srv.sessions.lookup(m.ProcessID, m.SecretKey); target != nil {
				target.cancelStatement()
			}
			return nil, nil, false
		case *pgproto3.StartupMessage:
			if m.Parameters["user"] == "" {
				c.send(fatalResponse("28000", "no PostgreSQL user name specified in startup packet"))
				c.flush()
				return nil, nil, false
			}
			if c.srv.cfg.TLS != nil && c.tls == nil && c.srv.cfg.Auth.RequireTLS {
				c.send(fatalResponse("28000", "this server accepts connections over TLS only (sslmode=require)"))
				c.flush()
				return nil, nil, false
			}
			c.negotiate(m)
			return m.Parameters, fr, true
		}
	}
}

// negotiate tells a client that asked for a protocol newer than 3.0, or for
// protocol options (_pq_.*), that this server speaks plain 3.0.
func (c *conn) negotiate(m *pgproto3.StartupMessage) {
	var unrecognized []string
	for k := range m.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unrecognized = append(unrecognized, k)
			delete(m.Parameters, k)
		}
	}
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unrecognized) > 0 {
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unrecognized})
	}
}

// greet completes startup after authentication: the parameters clients rely on
// (psql and drivers read server_version, encodings, DateStyle, integer_datetimes,
// standard_conforming_strings), the cancel key, and ReadyForQuery.
func (c *conn) greet(params map[string]string) {
	for _, p := range [...]struct{ name, value string }{
		{"server_version", c.srv.cfg.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"},
		{"IntervalStyle", "postgres"},
		{"is_superuser", "off"},
		{"session_authorization", params["user"]},
		{"application_name", params["application_name"]},
	} {
		c.send(&pgproto3.ParameterStatus{Name: p.name, Value: p.value})
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	c.send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
}

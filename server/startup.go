package server

import (
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startup runs the startup phase: it answers SSL and GSS encryption requests with
// 'N' (not supported yet), serves a CancelRequest, and returns the StartupMessage
// parameters. ok is false when the connection must end.
func (c *conn) startup(fr *frameReader) (params map[string]string, ok bool) {
	// A client that never finishes startup must not hold a goroutine forever.
	c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	defer c.nc.SetReadDeadline(time.Time{})
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
			return nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, false
			}
		case *pgproto3.CancelRequest:
			// Postgres answers nothing and closes, whether or not the key matched.
			if target := c.srv.sessions.lookup(m.ProcessID, m.SecretKey); target != nil {
				target.cancelStatement()
			}
			return nil, false
		case *pgproto3.StartupMessage:
			if m.Parameters["user"] == "" {
				c.send(fatalResponse("28000", "no PostgreSQL user name specified in startup packet"))
				c.flush()
				return nil, false
			}
			c.negotiate(m)
			return m.Parameters, true
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

// greet completes startup: trust authentication, the parameters clients rely on
// (psql and drivers read server_version, encodings, DateStyle, integer_datetimes,
// standard_conforming_strings), the cancel key, and ReadyForQuery.
func (c *conn) greet(params map[string]string) {
	c.send(&pgproto3.AuthenticationOk{})
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

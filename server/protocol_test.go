package server

import (
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient speaks the protocol message by message, for behaviour drivers hide.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

// dialRaw connects without starting up.
func dialRaw(t testing.TB, ts *testServer) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// startRaw connects and completes startup, returning after ReadyForQuery.
func startRaw(t testing.TB, ts *testServer) *rawClient {
	t.Helper()
	c := dialRaw(t, ts)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "bob"}})
	c.until(&pgproto3.ReadyForQuery{})
	return c
}

func (c *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

// next returns a short description of the next message: its type name, plus the
// interesting field for a few.
func (c *rawClient) next() string {
	c.t.Helper()
	m, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	name := reflect.TypeOf(m).Elem().Name()
	switch m := m.(type) {
	case *pgproto3.DataRow:
		var vals []string
		for _, v := range m.Values {
			vals = append(vals, string(v))
		}
		return name + " " + strings.Join(vals, ",")
	case *pgproto3.CommandComplete:
		return name + " " + string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return name + " " + m.Severity + " " + m.Code
	}
	return name
}

// until reads messages up to one of want's type, returning their descriptions.
func (c *rawClient) until(want pgproto3.BackendMessage) []string {
	c.t.Helper()
	var got []string
	wantName := reflect.TypeOf(want).Elem().Name()
	for {
		d := c.next()
		got = append(got, d)
		if strings.HasPrefix(d, wantName) {
			return got
		}
	}
}

func (c *rawClient) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.next(); got != w {
			c.t.Fatalf("got %q, want %q", got, w)
		}
	}
}

func TestProtocolSequences(t *testing.T) {
	ts := startServer(t)
	for _, tc := range []struct {
		name string
		send []pgproto3.FrontendMessage
		want []string
	}{
		{"empty query", []pgproto3.FrontendMessage{&pgproto3.Query{String: "  "}},
			[]string{"EmptyQueryResponse", "ReadyForQuery"}},
		{"only semicolons", []pgproto3.FrontendMessage{&pgproto3.Query{String: ";;"}},
			[]string{"EmptyQueryResponse", "ReadyForQuery"}},
		{"error stops the rest", []pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1; FAIL; SELECT 2"}},
			[]string{"RowDescription", "DataRow 1", "CommandComplete SELECT 1", "ErrorResponse ERROR 42601", "ReadyForQuery"}},
		{"extended", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: "SELECT 2"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{PreparedStatement: "s"},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "ParameterDescription", "RowDescription", "BindComplete", "RowDescription",
			"DataRow 1", "DataRow 2", "CommandComplete SELECT 2", "ReadyForQuery"}},
		{"max rows suspends the portal", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT 3"},
			&pgproto3.Bind{},
			&pgproto3.Execute{MaxRows: 2},
			&pgproto3.Execute{MaxRows: 2},
			&pgproto3.Sync{},
			// As in PostgreSQL, the tag counts the rows of the Execute that ends the
			// portal, not the statement's.
		}, []string{"ParseComplete", "BindComplete", "DataRow 1", "DataRow 2", "PortalSuspended",
			"DataRow 3", "CommandComplete SELECT 1", "ReadyForQuery"}},
		{"no rows", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "CREATE"},
			&pgproto3.Bind{},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "NoData", "CommandComplete CREATE STREAM", "ReadyForQuery"}},
		{"error discards until sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "FAIL"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Parse{Query: "SELECT 1"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
			&pgproto3.Query{String: "SELECT 1"},
		}, []string{"ParseComplete", "BindComplete", "ErrorResponse ERROR 42601", "ReadyForQuery",
			"RowDescription", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery"}},
		{"an error reaches a client that sends Flush, not Sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "FAIL"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Flush{},
		}, []string{"ParseComplete", "BindComplete", "ErrorResponse ERROR 42601"}},
		{"unknown statement", []pgproto3.FrontendMessage{
			&pgproto3.Bind{PreparedStatement: "nope"},
			&pgproto3.Sync{},
		}, []string{"ErrorResponse ERROR 26000", "ReadyForQuery"}},
		{"wrong parameter count", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO INT"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("1"), []byte("2")}},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "ErrorResponse ERROR 08P01", "ReadyForQuery"}},
		{"bad text parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO INT"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("x")}},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "ErrorResponse ERROR 22P02", "ReadyForQuery"}},
		{"close", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "c", Query: "SELECT 1"},
			&pgproto3.Close{ObjectType: 'S', Name: "c"},
			&pgproto3.Describe{ObjectType: 'S', Name: "c"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "CloseComplete", "ErrorResponse ERROR 26000", "ReadyForQuery"}},
		{"function call", []pgproto3.FrontendMessage{&pgproto3.FunctionCall{Function: 1}},
			[]string{"ErrorResponse ERROR 0A000", "ReadyForQuery"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startRaw(t, ts)
			c.send(tc.send...)
			c.expect(tc.want...)
		})
	}
}

// TestRowsStreamBeforeCompletion checks that rows are flushed as the engine writes
// them: the first statement's results arrive while the second still runs.
func TestRowsStreamBeforeCompletion(t *testing.T) {
	ts := startServer(t)
	c := startRaw(t, ts)
	c.send(&pgproto3.Query{String: "SELECT 1; BLOCK"})
	c.expect("RowDescription", "DataRow 1", "CommandComplete SELECT 1")
	<-ts.eng.blocking
	// Terminate while the statement runs cancels it.
	c.send(&pgproto3.Terminate{})
	eventually(t, "BLOCK to be cancelled", func() bool { return ts.eng.cancelledCount() == 1 })
}

func TestStartup(t *testing.T) {
	ts := startServer(t)
	t.Run("ssl and gss refused", func(t *testing.T) {
		c := dialRaw(t, ts)
		for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
			c.send(req)
			var b [1]byte
			if _, err := c.nc.Read(b[:]); err != nil || b[0] != 'N' {
				t.Fatalf("reply to %T = %q, %v", req, b[0], err)
			}
		}
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
			Parameters: map[string]string{"user": "u", "application_name": "app"}})
		got := map[string]string{}
		for {
			m, err := c.fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if ps, ok := m.(*pgproto3.ParameterStatus); ok {
				got[ps.Name] = ps.Value
			}
			if _, ok := m.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		for k, v := range map[string]string{"server_version": "13.0.0", "application_name": "app", "session_authorization": "u",
			"integer_datetimes": "on", "client_encoding": "UTF8", "DateStyle": "ISO, MDY"} {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
	})
	t.Run("no user", func(t *testing.T) {
		c := dialRaw(t, ts)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"database": "d"}})
		c.expect("ErrorResponse FATAL 28000")
	})
	t.Run("protocol 3.2 negotiated down", func(t *testing.T) {
		c := dialRaw(t, ts)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32, Parameters: map[string]string{"user": "u"}})
		c.expect("NegotiateProtocolVersion", "AuthenticationOk")
	})
	t.Run("cancel with a wrong key is ignored", func(t *testing.T) {
		c := startRaw(t, ts)
		c.send(&pgproto3.Query{String: "BLOCK"})
		<-ts.eng.blocking
		other := dialRaw(t, ts)
		other.send(&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}})
		c.send(&pgproto3.Terminate{})
		eventually(t, "BLOCK to end", func() bool { return ts.eng.cancelledCount() >= 1 })
	})
}

// TestBadConnectionsAreIsolated checks that a protocol violation or an engine
// panic ends only the connection concerned.
func TestBadConnectionsAreIsolated(t *testing.T) {
	ts := startServer(t)
	bystander := startRaw(t, ts)
	for _, tc := range []struct {
		name string
		raw  []byte
		msg  pgproto3.FrontendMessage
		want string
	}{
		{"unknown message type", []byte{'z', 0, 0, 0, 4}, nil, "ErrorResponse FATAL 08P01"},
		{"bad length", []byte{'Q', 0, 0, 0, 1}, nil, "ErrorResponse FATAL 08P01"},
		{"engine panic", nil, &pgproto3.Query{String: "PANIC"}, "ErrorResponse FATAL XX000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startRaw(t, ts)
			if tc.raw != nil {
				c.nc.Write(tc.raw)
			} else {
				c.send(tc.msg)
			}
			c.expect(tc.want)
			if _, err := c.fe.Receive(); err == nil {
				t.Fatal("connection still open")
			}
		})
	}
	bystander.send(&pgproto3.Query{String: "SELECT 1"})
	bystander.expect("RowDescription", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery")
}

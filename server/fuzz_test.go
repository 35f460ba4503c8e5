package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// panicCounter is a slog.Handler that counts recovered panics, so that the fuzz
// target can tell a server bug from a connection that merely ended.
type panicCounter struct{ n atomic.Int64 }

func (h *panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *panicCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "panic serving connection" {
		h.n.Add(1)
	}
	return nil
}
func (h *panicCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *panicCounter) WithGroup(string) slog.Handler      { return h }

// encodeFrontend is msgs as a client sends them.
func encodeFrontend(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b, _ = m.Encode(b)
	}
	return b
}

// hangUpAfter writes data on c and closes c's writing side (EOF cancels
// whatever the bytes started); the server must close the connection, and
// then serve a fresh one.
func hangUpAfter(t *testing.T, ts *testServer, c *rawClient, data []byte) {
	t.Helper()
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	c.nc.Write(data)
	c.nc.(*net.TCPConn).CloseWrite()
	if _, err := io.Copy(io.Discard, c.nc); err != nil {
		t.Fatalf("server did not close the connection: %v", err)
	}
	fresh := startRaw(t, ts)
	fresh.send(&pgproto3.Query{String: "SELECT 1"})
	fresh.expect("RowDescription", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery")
}

// FuzzServerMessages feeds arbitrary bytes to a connection after a valid startup.
// The server may answer anything or close the connection, but must not panic
// (recovered or not, unless the engine was asked to), and must keep serving other
// connections.
func FuzzServerMessages(f *testing.F) {
	f.Add(encodeFrontend(&pgproto3.Query{String: "SELECT 2"}))
	f.Add(encodeFrontend(&pgproto3.Query{String: "TYPES; FAIL"}))
	f.Add(encodeFrontend(&pgproto3.Parse{Name: "a", Query: "ECHO INT DECIMAL", ParameterOIDs: []uint32{23, 1700}},
		&pgproto3.Bind{PreparedStatement: "a", ParameterFormatCodes: []int16{1},
			Parameters: [][]byte{{0, 0, 0, 1}, {0, 1, 0, 0, 0, 0, 0, 2, 0, 5}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(encodeFrontend(&pgproto3.Bind{ParameterFormatCodes: []int16{7}}, &pgproto3.Sync{}))
	f.Add(encodeFrontend(&pgproto3.Query{String: "BLOCK"}))
	f.Add([]byte{'Q', 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{'B', 0, 0, 0, 8, 0, 0, 0xff, 0xff})
	f.Add([]byte("garbage"))

	pc := &panicCounter{}
	ts := startServerWithLog(f, slog.New(pc))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := pc.n.Load()
		hangUpAfter(t, ts, startRaw(t, ts), data)
		if pc.n.Load() != before && !bytes.Contains(bytes.ToUpper(data), []byte("PANIC")) {
			t.Fatal("the server recovered from a panic")
		}
	})
}

// FuzzStartup feeds arbitrary bytes as a connection's first packets (startup,
// SSL or GSS request, cancel request, or a truncated one of them) and then
// closes its side. The server answers or closes the connection without
// panicking, and goes on serving others.
func FuzzStartup(f *testing.F) {
	startup := encodeFrontend(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "bob", "database": "d"}})
	f.Add(startup)
	f.Add(startup[:len(startup)/2])
	f.Add(encodeFrontend(&pgproto3.SSLRequest{}))
	f.Add(append(encodeFrontend(&pgproto3.SSLRequest{}), startup...))
	f.Add(encodeFrontend(&pgproto3.GSSEncRequest{}))
	f.Add(encodeFrontend(&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}}))
	f.Add([]byte{0, 0, 0, 8, 0, 3, 0, 0})             // a startup with no parameters
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0}) // a length of 2 GB
	f.Add([]byte{0, 0, 0, 4})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))

	pc := &panicCounter{}
	ts := startServerWithLog(f, slog.New(pc))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := pc.n.Load()
		hangUpAfter(t, ts, dialRaw(t, ts), data)
		if pc.n.Load() != before {
			t.Fatal("the server recovered from a panic")
		}
	})
}

// FuzzExtendedSequences sends the extended protocol's messages in the orders
// the fuzzer picks (Parse, Bind, Describe, Execute with or without a row
// limit, Close, Flush, Sync; statements that succeed, fail, stream rows or
// are missing), then a Sync. The server answers every Sync with ReadyForQuery
// (or closes the connection on a protocol violation) and never leaves the
// client waiting: each read has a deadline, and a panic fails the target.
func FuzzExtendedSequences(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 5})
	f.Add([]byte{0, 0, 1, 1, 3, 3, 4, 5})
	f.Add([]byte{0, 2, 2, 0x13, 4, 3, 5, 3, 5})
	f.Add([]byte{1, 3, 5, 0, 0x10, 1, 0x23, 3, 4, 6, 5})
	f.Add([]byte{0, 0x40, 1, 0x33, 3, 0x13, 3, 0x13, 4, 3, 5})
	queries := []string{"SELECT 2", "STREAM 3", "FAIL", "ECHO INT", "TYPES", "", "SELECT 1; SELECT 2", "NOTICE"}
	pc := &panicCounter{}
	ts := startServerWithLog(f, slog.New(pc))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		before := pc.n.Load()
		c := startRaw(t, ts)
		names := []string{"", "a"}
		syncs := 0
		for i := 0; i < len(ops); i++ {
			arg := 0
			if i+1 < len(ops) {
				arg = int(ops[i+1])
			}
			switch ops[i] % 7 {
			case 0:
				c.fe.Send(&pgproto3.Parse{Name: names[arg%2], Query: queries[(arg/2)%len(queries)]})
			case 1:
				var params [][]byte
				for range arg % 3 {
					params = append(params, []byte("1"))
				}
				c.fe.Send(&pgproto3.Bind{DestinationPortal: names[arg%2], PreparedStatement: names[(arg/2)%2], Parameters: params,
					ResultFormatCodes: []int16{int16((arg / 4) % 2)}})
			case 2:
				kind := byte('S')
				if arg%2 == 1 {
					kind = 'P'
				}
				c.fe.Send(&pgproto3.Describe{ObjectType: kind, Name: names[(arg/2)%2]})
			case 3:
				c.fe.Send(&pgproto3.Execute{Portal: names[arg%2], MaxRows: uint32((arg / 2) % 3)})
			case 4:
				c.fe.Send(&pgproto3.Flush{})
			case 5:
				c.fe.Send(&pgproto3.Sync{})
				syncs++
			case 6:
				kind := byte('S')
				if arg%2 == 1 {
					kind = 'P'
				}
				c.fe.Send(&pgproto3.Close{ObjectType: kind, Name: names[(arg/2)%2]})
			}
		}
		c.fe.Send(&pgproto3.Sync{})
		syncs++
		if err := c.fe.Flush(); err != nil {
			t.Fatal(err)
		}
		for ready := 0; ready < syncs; {
			c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			m, err := c.fe.Receive()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the server left the client waiting: %d of %d Syncs answered", ready, syncs)
				}
				break // the server closed the connection: no hang
			}
			if _, ok := m.(*pgproto3.ReadyForQuery); ok {
				ready++
			}
		}
		if pc.n.Load() != before {
			t.Fatal("the server recovered from a panic")
		}
	})
}

package harness

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fakeServer answers simple queries the way the Postgres protocol allows, to pin how
// Session reports rows, NULLs, errors and session setup without a real engine:
// "rows" returns two rows (one NULL value), "bad" an error with a position, and every
// query text is recorded.
func fakeServer(t *testing.T) (addr string, queries <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 100)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFake(conn, got)
		}
	}()
	return ln.Addr().String(), got
}

func serveFake(conn net.Conn, got chan<- string) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	if _, err := be.ReceiveStartupMessage(); err != nil {
		return
	}
	be.Send(&pgproto3.AuthenticationOk{})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if be.Flush() != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		q, ok := msg.(*pgproto3.Query)
		if !ok {
			return
		}
		got <- q.String
		switch q.String {
		case "rows":
			be.Send(&pgproto3.RowDescription{Fields: []pgproto3.FieldDescription{
				{Name: []byte("A"), DataTypeOID: 25, Format: 0}, {Name: []byte("B"), DataTypeOID: 25, Format: 0}}})
			be.Send(&pgproto3.DataRow{Values: [][]byte{[]byte("x"), nil}})
			be.Send(&pgproto3.DataRow{Values: [][]byte{[]byte("y"), []byte("")}})
			be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 2")})
		case "bad":
			be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "42601", Message: "syntax error", Position: 3})
		default:
			be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SET")})
		}
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		if be.Flush() != nil {
			return
		}
	}
}

func TestSession(t *testing.T) {
	addr, queries := fakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Connect(ctx, addr, "SET 'x'='y';")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if q := <-queries; q != "SET 'x'='y';" {
		t.Fatalf("first query = %q, want the setup statement", q)
	}

	res, err := s.Run(ctx, "rows")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || len(res[0].Rows) != 2 || res[0].Tag != "SELECT 2" ||
		res[0].Columns[0] != "A" || res[0].Columns[1] != "B" {
		t.Fatalf("Run(rows) = %+v", res)
	}
	r0, r1 := res[0].Rows[0], res[0].Rows[1]
	if *r0[0] != "x" || r0[1] != nil || *r1[0] != "y" || r1[1] == nil || *r1[1] != "" {
		t.Fatalf("rows: NULL and empty string must stay distinct: %v %v", r0, r1)
	}

	_, err = s.Run(ctx, "bad")
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != "42601" || pe.Position != 3 || pe.Message != "syntax error" {
		t.Fatalf("Run(bad) error = %v, want 42601 at 3", err)
	}
	<-queries
	<-queries

	// A reconnect replays the setup before anything else.
	if err := s.Reconnect(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if q := <-queries; q != "SET 'x'='y';" {
		t.Fatalf("first query after reconnect = %q, want the setup statement", q)
	}
}

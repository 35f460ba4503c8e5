package server

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// scramServerFirst starts a SCRAM exchange as user and returns the server's
// first message (nonce, salt, iterations), leaving the exchange unfinished.
func scramServerFirst(t *testing.T, addr, user string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": user}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	if m, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("got %T, want AuthenticationSASL", m)
	}
	fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=clientnonce")})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	m, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	cont, ok := m.(*pgproto3.AuthenticationSASLContinue)
	if !ok {
		t.Fatalf("got %T, want AuthenticationSASLContinue", m)
	}
	return string(cont.Data)
}

// TestSCRAMUnknownUserLooksKnown: the salt shown to a user name is the same at
// every attempt whether or not the user exists, so the exchange does not tell
// which users exist.
func TestSCRAMUnknownUserLooksKnown(t *testing.T) {
	addr := startConfiguredServer(t, Config{Auth: Auth{Users: map[string]string{"alice": "pw"}}})
	salt := func(user string) string {
		first := scramServerFirst(t, addr, user)
		s, i := scramAttr(first, 's'), scramAttr(first, 'i')
		if s == "" || i != "4096" {
			t.Fatalf("server-first-message %q", first)
		}
		return s
	}
	for _, user := range []string{"alice", "mallory"} {
		if a, b := salt(user), salt(user); a != b {
			t.Errorf("%s: salt %s then %s; a real user's salt does not change", user, a, b)
		}
	}
	if salt("mallory") == salt("trudy") {
		t.Error("two unknown users were shown the same salt")
	}
}

func TestConnectionLimit(t *testing.T) {
	addr := startConfiguredServer(t, Config{MaxConnections: 2})
	ctx := context.Background()
	for range 2 {
		c, err := connectWith(t, addr, "alice", "", "disable")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
	}
	_, err := connectWith(t, addr, "alice", "", "disable")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53300" {
		t.Fatalf("third connection over a limit of 2: %v, want FATAL 53300", err)
	}
}

// TestAuthenticationTimeout: a client that stops in the middle of the SCRAM
// exchange is disconnected at the startup timeout.
func TestAuthenticationTimeout(t *testing.T) {
	addr := startConfiguredServer(t, Config{StartupTimeout: 300 * time.Millisecond, Auth: Auth{Users: map[string]string{"alice": "pw"}}})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "alice"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := fe.Receive(); err != nil { // AuthenticationSASL; the client answers nothing
		t.Fatal(err)
	}
	start := time.Now()
	_, err = fe.Receive()
	if err == nil || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "i/o timeout") {
		t.Fatalf("after %s: %v, want the server to close the connection", time.Since(start), err)
	}
}

func TestLoginFailureDelay(t *testing.T) {
	f := newLoginFailures()
	now := time.Unix(1000, 0)
	var got []time.Duration
	for i := range 8 {
		got = append(got, f.fail("10.0.0.1", now.Add(time.Duration(i)*time.Second)))
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", got, want)
		}
	}
	if d := f.fail("10.0.0.2", now.Add(8*time.Second)); d != firstFailDelay {
		t.Errorf("another address waited %s", d)
	}
	if d := f.fail("10.0.0.1", now.Add(8*time.Second+2*failureWindow)); d != firstFailDelay {
		t.Errorf("after a quiet minute: %s, want %s", d, firstFailDelay)
	}
}

package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func startConfiguredServer(t *testing.T, cfg Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv := New(cfg, newTestEngine())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func connectWith(t *testing.T, addr, user, password, sslmode string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(addr)
	cfg, err := pgx.ParseConfig("host=" + host + " port=" + port + " user=" + user + " password='" + password + "' dbname=db sslmode=" + sslmode)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig != nil {
		cfg.TLSConfig.InsecureSkipVerify = true
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func TestAuthentication(t *testing.T) {
	users := map[string]string{"alice": "s3cret", "bob": "hunter2"}
	for _, method := range []string{AuthSCRAM, AuthMD5, AuthPassword} {
		t.Run(method, func(t *testing.T) {
			addr := startConfiguredServer(t, Config{Auth: Auth{Users: users, Method: method}})
			conn, err := connectWith(t, addr, "alice", "s3cret", "disable")
			if err != nil {
				t.Fatalf("right password refused: %v", err)
			}
			var n int
			if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatalf("query after authentication: %d, %v", n, err)
			}
			conn.Close(context.Background())
			for _, bad := range []struct{ user, password string }{{"alice", "wrong"}, {"bob", "s3cret"}, {"mallory", "s3cret"}} {
				_, err := connectWith(t, addr, bad.user, bad.password, "disable")
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
					t.Errorf("%s/%s: got %v, want SQLSTATE 28P01", bad.user, bad.password, err)
				}
			}
		})
	}
	t.Run("trust loopback", func(t *testing.T) {
		addr := startConfiguredServer(t, Config{Auth: Auth{Users: users, TrustLoopback: true}})
		conn, err := connectWith(t, addr, "anyone", "", "disable")
		if err != nil {
			t.Fatalf("loopback client refused: %v", err)
		}
		conn.Close(context.Background())
	})
}

func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLS(t *testing.T) {
	addr := startConfiguredServer(t, Config{TLS: selfSignedTLS(t), Auth: Auth{Users: map[string]string{"alice": "pw"}, RequireTLS: true}})
	conn, err := connectWith(t, addr, "alice", "pw", "require")
	if err != nil {
		t.Fatalf("TLS connection refused: %v", err)
	}
	defer conn.Close(context.Background())
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("connection is %T, want *tls.Conn", conn.PgConn().Conn())
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("query over TLS: %d, %v", n, err)
	}
	_, err = connectWith(t, addr, "alice", "pw", "disable")
	if err == nil || !strings.Contains(err.Error(), "TLS only") {
		t.Errorf("plain connection with RequireTLS: got %v", err)
	}
}

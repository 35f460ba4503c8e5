package pgclients

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/internal/testtool"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// writeCert writes a self-signed certificate and key for 127.0.0.1.
func writeCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// TestPSQLPasswordOverTLS starts a server that requires TLS and a SCRAM-SHA-256
// password even on loopback, and connects with libpq (psql).
func TestPSQLPasswordOverTLS(t *testing.T) {
	needServer(t)
	psql := testtool.Need(t, "psql")
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	srv, err := harness.Start(harness.Config{
		Binary:  server.binary,
		DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "sluice.log"),
		Args: []string{"--tls-cert", cert, "--tls-key", key, "--tls-required",
			"--pg-user", "alice:s3cret", "--pg-trust-loopback=false"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(10 * time.Second)
	host, port, _ := net.SplitHostPort(srv.Addrs.PG)
	env := func(password, sslmode string) []string {
		return []string{"PGHOST=" + host, "PGPORT=" + port, "PGUSER=alice", "PGDATABASE=sluice",
			"PGPASSWORD=" + password, "PGSSLMODE=" + sslmode, "PSQLRC=/dev/null"}
	}
	out := run(t, env("s3cret", "require"), psql, "-X", "-A", "-t", "-c", "SELECT current_user")
	expectLines(t, out, "alice")
	for _, tc := range []struct{ password, sslmode, want string }{
		{"wrong", "require", `password authentication failed for user "alice"`},
		{"s3cret", "disable", "TLS only"},
	} {
		c := exec.Command(psql, "-X", "-c", "SELECT 1")
		c.Env = append(os.Environ(), env(tc.password, tc.sslmode)...)
		got, err := c.CombinedOutput()
		if err == nil || !strings.Contains(string(got), tc.want) {
			t.Errorf("password %q sslmode %s: err %v, output %s; want %q", tc.password, tc.sslmode, err, got, tc.want)
		}
	}
}

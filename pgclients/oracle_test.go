package pgclients

import (
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// oracleSchema is the fixture as plain Postgres DDL: what Sluice's catalog must
// look like to psql.
const oracleSchema = `
CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric(10,2), ts timestamp);
CREATE TABLE clicks (user_id text, url text, tags text[]);
CREATE TABLE ksql_processing_log (logger text);
COMMENT ON COLUMN clicks.user_id IS 'key (Kafka record key)';
COMMENT ON COLUMN orders.id IS 'primary key (Kafka record key)';
`

// TestPSQLAgainstPostgres runs the same psql describe commands against a
// throwaway PostgreSQL 15 holding the equivalent schema and against Sluice, and
// requires identical output.
func TestPSQLAgainstPostgres(t *testing.T) {
	needServer(t)
	psql := needTool(t, "psql")
	initdb := needTool(t, filepath.Join(pgBin, "initdb"))
	postgres := filepath.Join(pgBin, "postgres")
	// Not t.TempDir(): its parent is private to this user, and the postgres user
	// must reach the data directory.
	dir, err := os.MkdirTemp("", "sluice-pg-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Postgres refuses to run as root: run it as the postgres user then.
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user to run the oracle as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	asPG := func(name string, args ...string) *exec.Cmd {
		c := exec.Command(name, args...)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		c.Dir = dir
		return c
	}
	data := filepath.Join(dir, "data")
	if out, err := asPG(initdb, "-D", data, "-U", "alice", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	pg := asPG(postgres, "-D", data, "-p", port, "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		pg.Process.Signal(syscall.SIGINT)
		pg.Wait()
	}()
	oracleEnv := []string{"PGHOST=127.0.0.1", "PGPORT=" + port, "PGUSER=alice", "PSQLRC=/dev/null"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := exec.Command(psql, "-X", "-d", "postgres", "-c", "SELECT 1")
		c.Env = append(os.Environ(), oracleEnv...)
		if c.Run() == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("PostgreSQL did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(t, oracleEnv, psql, "-X", "-d", "postgres", "-c", "CREATE DATABASE sluice")
	run(t, oracleEnv, psql, "-X", "-d", "sluice", "-v", "ON_ERROR_STOP=1", "-c", oracleSchema)
	sluiceEnv := []string{"PGHOST=" + server.host, "PGPORT=" + server.port, "PGUSER=alice", "PSQLRC=/dev/null"}
	// \d+ is left out: psql shows a Compression column only for servers >= 14, and
	// Sluice reports 13.
	for _, cmd := range []string{`\d orders`, `\d clicks`, `\dt`, `\d`, `\dv`} {
		want := run(t, oracleEnv, psql, "-X", "-d", "sluice", "-c", cmd)
		got := run(t, sluiceEnv, psql, "-X", "-d", "sluice", "-c", cmd)
		if got != want {
			t.Errorf("psql %s: Sluice printed\n%s\nPostgreSQL printed\n%s", cmd, got, want)
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

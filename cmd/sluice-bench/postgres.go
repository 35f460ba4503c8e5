package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgres is a PostgreSQL server the benchmark started: a fresh cluster in a
// temporary directory, listening only on a unix socket in that directory. As
// root, initdb and postgres run as the user nobody (PostgreSQL refuses root).
//
// Settings: shared_buffers=1GB so the largest table is cached as the engine's
// state is; fsync, synchronous_commit and full_page_writes off, since only the
// load would pay for them; the rest PostgreSQL's defaults (two parallel workers
// per gather on this machine's two cores).
type postgres struct {
	*child
	dir, sockDir string
	port         int
	conn         *pgx.Conn
	version      string
}

// startPostgres initializes and starts a cluster in a new directory of the
// system's temporary directory (which every user can reach), using the server
// binaries in bin. stop removes the directory.
func startPostgres(ctx context.Context, bin string) (_ *postgres, err error) {
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return nil, fmt.Errorf("no PostgreSQL server binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "sluice-bench-pg-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root, and no user nobody to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// PostgreSQL, run as nobody, owns its directory.
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + dir}
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, strings.TrimSpace(string(out)))
	}
	// No TCP listener: the port only names the socket in the private directory.
	const port = 5432
	pg := &postgres{dir: dir, sockDir: dir, port: port}
	c, err := startChild(command("postgres", "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=", "-c", "shared_buffers=1GB", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_wal_size=8GB"),
		filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	pg.child = c
	defer func() {
		if err != nil {
			pg.child.stop(5 * time.Second)
			if pg.conn != nil {
				pg.conn.Close(context.Background())
			}
		}
	}()
	url := fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres", dir, port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if pg.conn, err = pgx.Connect(ctx, url); err == nil {
			break
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("postgres exited: %v (log: %s)", c.err, tail(filepath.Join(dir, "postgres.log")))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("postgres not accepting connections: %w (log: %s)", err, tail(filepath.Join(dir, "postgres.log")))
		}
	}
	if err := pg.conn.QueryRow(ctx, "SELECT version()").Scan(&pg.version); err != nil {
		return nil, err
	}
	pg.version, _, _ = strings.Cut(pg.version, " on ")
	return pg, nil
}

func (pg *postgres) stop() {
	if pg.conn != nil {
		pg.conn.Close(context.Background())
	}
	pg.child.stop(20 * time.Second)
	os.RemoveAll(pg.dir)
}

// batch loads rows deliveries into a new table with COPY and times the batch
// query over all of them: one untimed run, then runs timed ones. Failures are
// the result's Error, not the benchmark's.
func (pg *postgres) batch(ctx context.Context, rows int64, districts, runs int, want districtTotals) *pgBatch {
	res := &pgBatch{}
	suffix := strconv.FormatInt(rows, 10)
	table := "deliveries_" + suffix
	t0 := time.Now()
	if _, err := pg.conn.Exec(ctx, "CREATE TABLE "+table+" (id bigint, district int, courier bigint, amount bigint, status text)"); err != nil {
		res.Error = err.Error()
		return res
	}
	var i int64
	if _, err := pg.conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "district", "courier", "amount", "status"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == rows {
				return nil, nil
			}
			d := deliveryRow(i, districts)
			i++
			return []any{d.id, int32(d.district), d.courier, d.amount, "delivered"}, nil
		})); err != nil {
		res.Error = "COPY: " + err.Error()
		return res
	}
	if _, err := pg.conn.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
		res.Error = err.Error()
		return res
	}
	res.LoadSeconds = time.Since(t0).Seconds()
	query := render(pgBatchQuery, "", suffix)
	rs, err := pg.conn.Query(ctx, query)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	note, err := want.compare(rs)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if note != "" {
		res.Error = "result differs from the Go computation: " + note
		return res
	}
	res.Verified = true
	var ms []float64
	for k := 0; k < runs; k++ {
		t := time.Now()
		rs, err := pg.conn.Query(ctx, query)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		for rs.Next() {
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			res.Error = err.Error()
			return res
		}
		ms = append(ms, float64(time.Since(t).Microseconds())/1000)
	}
	slices.Sort(ms)
	res.Runs = len(ms)
	if len(ms) > 0 {
		res.P50Ms, res.P99Ms = percentile(ms, 0.5), percentile(ms, 0.99)
	}
	return res
}

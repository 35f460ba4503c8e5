package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// stack is what every workload runs against: a working directory, the engine
// binary, the broker child and a client of it; then (startEngine) the engine child
// and a Postgres-wire connection to it. close releases them in reverse order.
type stack struct {
	dir      string
	bin      string
	brk      *broker
	cl       *kgo.Client
	adm      *kadm.Client
	progress func(string, ...any)
	closers  []func()
}

// progressTo prints progress lines ("# ...") to out.
func progressTo(out io.Writer) func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(out, "# "+format+"\n", args...)
	}
}

// newStack prepares workDir (a temporary directory, removed by close, when
// empty), builds the engine unless sluiceBin names one, and starts the broker.
// opts are added to the benchmark client's options.
func newStack(ctx context.Context, sluiceBin, workDir string, out io.Writer, opts ...kgo.Opt) (_ *stack, err error) {
	s := &stack{dir: workDir, progress: progressTo(out)}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.dir == "" {
		tmp, err := os.MkdirTemp("", "sluice-bench-")
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { os.RemoveAll(tmp) })
		s.dir = tmp
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	if s.bin, err = buildSluice(ctx, sluiceBin, s.dir); err != nil {
		return nil, err
	}
	if s.brk, err = startBroker(filepath.Join(s.dir, "broker"), "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { s.brk.stop(10 * time.Second) })
	s.progress("broker (own process, kfake DataDir) at %s", s.brk.addr)
	if s.cl, err = newClient(s.brk.addr, opts...); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.cl.Close)
	s.adm = kadm.NewClient(s.cl)
	return s, nil
}

func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// startEngine starts the engine with GOMAXPROCS=procs, connects to it over the
// Postgres wire with auto.offset.reset=earliest, and returns a runner for it with
// cfg's settings.
func (s *stack) startEngine(ctx context.Context, cfg config) (*runner, error) {
	eng, err := startEngine(s.bin, filepath.Join(s.dir, "engine"), s.brk.addr, cfg.procs, cfg.cpuProfile)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { eng.stop(30 * time.Second) })
	s.progress("engine pid %d, GOMAXPROCS=%d, postgres %s", eng.pid(), cfg.procs, eng.pgAddr)
	conn, err := pgx.Connect(ctx, eng.pgURL())
	if err != nil {
		return nil, fmt.Errorf("connect to the engine: %w", err)
	}
	s.closers = append(s.closers, func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET 'auto.offset.reset'='earliest';"); err != nil {
		return nil, err
	}
	return &runner{cfg: cfg, eng: eng, brk: s.brk, broker: s.brk.addr, adm: s.adm, cl: s.cl,
		conn: conn, progress: s.progress}, nil
}

// pgURL is the engine's Postgres-wire address for pgx, in the simple protocol.
func (e *engine) pgURL() string {
	return "postgres://bench@" + e.pgAddr + "/ksql?sslmode=disable&default_query_exec_mode=simple_protocol"
}

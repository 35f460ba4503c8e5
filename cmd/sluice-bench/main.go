// Command sluice-bench measures Sluice on the Nexmark benchmark (nexmark.md in the
// project's shared material) next to baselines measured in the same run.
//
//	go run ./cmd/sluice-bench nexmark [-events N] [-queries q0,q1,...] [-json FILE]
//
// One run: a kfake broker in its own process persisting to disk (the broker
// subcommand); Nexmark events generated deterministically as JSON into one topic in
// nexmark/nexmark's ddl_kafka.sql layout; the baselines B0 (franz-go consumption),
// B1 (B0 plus encoding/json decoding into Go structs) and P0 (Pebble batched
// writes), each in its own process; then the engine (cmd/sluice, built unless
// -sluice names a binary) in its own process with GOMAXPROCS=2, and for each query:
//
//  1. verification: the query over a small topic, its output compared with rows
//     computed in Go from the same generated events (verify.go);
//  2. throughput: the query submitted over the Postgres wire as persistent queries
//     from the earliest offset of the measured topic, timed until their consumer
//     groups have committed the topic's end; events/s/core is events divided by the
//     engine process's CPU seconds over that span (/proc/<pid>/stat utime+stime),
//     the Nexmark "Cores × Time" method;
//  3. latency on a live topic (latency.go).
//
// The query forms are documented in queries.go.
//
//	go run ./cmd/sluice-bench telemetry [-duration 60s] [-json FILE]
//	go run ./cmd/sluice-bench delivery [-rows 1000000,10000000] [-json FILE]
//
// run the seed workloads (telemetry.go, delivery.go, postgres.go); nexmark -seeds
// runs both after the queries and reports them under "seeds". Subcommands broker
// and baseline are the child processes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	role := os.Getenv(roleEnv)
	args := os.Args[1:]
	if role == "" && len(args) > 0 {
		role, args = args[0], args[1:]
	} else if role != "" && len(args) > 0 && args[0] == role {
		args = args[1:]
	}
	var err error
	switch role {
	case "broker":
		err = brokerMain(args)
	case "baseline":
		err = baselineMain(args)
	case "nexmark":
		err = nexmarkMain(args)
	case "telemetry":
		err = telemetryMain(args)
	case "delivery":
		err = deliveryMain(args)
	default:
		fmt.Fprintln(os.Stderr, "usage: sluice-bench nexmark|telemetry|delivery [flags]   (run with -h for the flags)")
		os.Exit(2)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sluice-bench:", err)
		}
		os.Exit(1)
	}
}

// defaultEvents keeps the default run under ten minutes on two cores.
const defaultEvents = 2_000_000

func nexmarkMain(args []string) error {
	fs := flag.NewFlagSet("nexmark", flag.ContinueOnError)
	cfg := config{out: os.Stdout}
	var queries string
	fs.Int64Var(&cfg.events, "events", defaultEvents, "events in the measured topic")
	fs.Int64Var(&cfg.verifyEvents, "verify-events", 20_000, "events in the verification topic (0 skips verification)")
	fs.IntVar(&cfg.partitions, "partitions", 4, "partitions of the input topics")
	fs.Int64Var(&cfg.tps, "tps", 10_000_000, "event-time rate of the generator (Flink's suite uses 10M)")
	// At 10M events/s the verification topic spans a few ms of event time, in
	// which no 10 s window of q5 or q7 closes; at 200 its 20,000 events span 100 s.
	fs.Int64Var(&cfg.verifyTPS, "verify-tps", 200, "event-time rate of the verification topics' generator")
	fs.StringVar(&queries, "queries", "q0,q1,q2,q3,q4,q5,q7,q8", "queries to run")
	cfg.procs = 2
	engineFlags(fs, &cfg.procs, &cfg.sluice, &cfg.workDir, &cfg.jsonOut, "GOMAXPROCS of the engine and the baselines")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the engine's CPU profile (whole engine lifetime) to this file")
	fs.IntVar(&cfg.latencyRate, "latency-rate", 0, "events/s during the latency phase (0: half the query's measured rate, at most 50k)")
	fs.DurationVar(&cfg.latencyFor, "latency-duration", 5*time.Second, "length of each query's latency phase (0 skips it)")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "longest wait for one query to consume its input")
	seeds := fs.Bool("seeds", false, "also run the telemetry and delivery seed workloads at their default sizes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, q := range strings.Split(queries, ",") {
		if q = strings.TrimSpace(q); q != "" {
			cfg.queries = append(cfg.queries, q)
		}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	rep, err := run(ctx, cfg)
	if err != nil {
		return err
	}
	if *seeds {
		rep.Seeds = &seedsReport{}
		tc := defaultTelemetry()
		tc.sluice, tc.procs = cfg.sluice, cfg.procs
		if rep.Seeds.Telemetry, err = runTelemetry(ctx, tc); err != nil {
			return fmt.Errorf("telemetry: %w", err)
		}
		dc := defaultDelivery()
		dc.sluice, dc.procs = cfg.sluice, cfg.procs
		if rep.Seeds.Delivery, err = runDelivery(ctx, dc); err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
	}
	rep.writeTable(os.Stdout)
	if cfg.jsonOut != "" {
		return rep.writeJSON(cfg.jsonOut)
	}
	return nil
}

// engineFlags adds the flags every subcommand has: the engine's GOMAXPROCS
// (default: *procs as set), its binary, the working directory and the JSON
// report.
func engineFlags(fs *flag.FlagSet, procs *int, sluice, dir, jsonOut *string, procsHelp string) {
	fs.IntVar(procs, "procs", *procs, procsHelp)
	fs.StringVar(sluice, "sluice", "", "engine binary (default: go build ./cmd/sluice)")
	fs.StringVar(dir, "dir", "", "working directory, kept afterwards (default: a temporary one, removed)")
	fs.StringVar(jsonOut, "json", "", "also write the results as JSON to this file")
}

// defaultTelemetry is the seed's rate (500,000 messages a minute) for a minute.
func defaultTelemetry() telemetryConfig {
	return telemetryConfig{rate: 500_000 / 60, duration: time.Minute, warmup: 5 * time.Second, devices: 1000,
		partitions: 4, msgBytes: 5000, procs: 2, timeout: 5 * time.Minute, out: os.Stdout}
}

func telemetryMain(args []string) error {
	fs := flag.NewFlagSet("telemetry", flag.ContinueOnError)
	cfg := defaultTelemetry()
	var jsonOut string
	fs.IntVar(&cfg.rate, "rate", cfg.rate, "messages per second")
	fs.DurationVar(&cfg.duration, "duration", cfg.duration, "length of the measured phase")
	fs.DurationVar(&cfg.warmup, "warmup", cfg.warmup, "production at the same rate before the measured phase")
	fs.IntVar(&cfg.devices, "devices", cfg.devices, "distinct devices")
	fs.IntVar(&cfg.msgBytes, "msg-bytes", cfg.msgBytes, "approximate size of a message")
	fs.IntVar(&cfg.partitions, "partitions", cfg.partitions, "partitions of the telemetry topic")
	engineFlags(fs, &cfg.procs, &cfg.sluice, &cfg.workDir, &jsonOut, "GOMAXPROCS of the engine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	res, err := runTelemetry(ctx, cfg)
	if err != nil {
		return err
	}
	res.writeTable(os.Stdout, machine())
	if jsonOut != "" {
		return writeSeedsJSON(jsonOut, &seedsReport{Telemetry: res})
	}
	return nil
}

// defaultDelivery loads 1M and 10M rows.
func defaultDelivery() deliveryConfig {
	return deliveryConfig{rows: []int64{1_000_000, 10_000_000}, districts: 200, partitions: 4, samples: 200,
		sampleRate: 20, pgRuns: 5, pgBin: "/usr/lib/postgresql/15/bin", procs: 2, timeout: 10 * time.Minute, out: os.Stdout}
}

func deliveryMain(args []string) error {
	fs := flag.NewFlagSet("delivery", flag.ContinueOnError)
	cfg := defaultDelivery()
	var jsonOut string
	rows := "1000000,10000000"
	fs.StringVar(&rows, "rows", rows, "table sizes, comma-separated")
	fs.IntVar(&cfg.districts, "districts", cfg.districts, "distinct districts")
	fs.IntVar(&cfg.samples, "samples", cfg.samples, "freshness markers per size")
	fs.Float64Var(&cfg.sampleRate, "sample-rate", cfg.sampleRate, "freshness markers per second, at most")
	fs.IntVar(&cfg.pgRuns, "pg-runs", cfg.pgRuns, "timed runs of the batch query in PostgreSQL")
	fs.StringVar(&cfg.pgBin, "pg-bin", cfg.pgBin, "PostgreSQL server binaries (empty skips PostgreSQL)")
	fs.IntVar(&cfg.partitions, "partitions", cfg.partitions, "partitions of the deliveries topics")
	engineFlags(fs, &cfg.procs, &cfg.sluice, &cfg.workDir, &jsonOut, "GOMAXPROCS of the engine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.rows = nil
	for _, f := range strings.Split(rows, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("-rows: %q is not a positive count", f)
		}
		cfg.rows = append(cfg.rows, n)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	res, err := runDelivery(ctx, cfg)
	if err != nil {
		return err
	}
	res.writeTable(os.Stdout, machine())
	if jsonOut != "" {
		return writeSeedsJSON(jsonOut, &seedsReport{Delivery: res})
	}
	return nil
}

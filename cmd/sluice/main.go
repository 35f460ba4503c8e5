// Command sluice runs a Sluice server: a Postgres-wire endpoint for ksqlDB
// statements, persistent queries over Kafka, and (without --kafka) an embedded
// Kafka-protocol broker persisted under the data directory.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sluice-db/sluice/console"
	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/ksqlrest"
	"github.com/sluice-db/sluice/metrics"
	"github.com/sluice-db/sluice/nodes"
	"github.com/sluice-db/sluice/pgface"
	"github.com/sluice-db/sluice/server"
	"github.com/sluice-db/sluice/storage"

	"github.com/twmb/franz-go/pkg/kgo"
)

type config struct {
	dataDir        string
	pgAddr         string
	httpAddr       string
	kafka          string
	embeddedAddr   string
	serviceID      string
	readyFile      string
	nodeID         string
	advertisedAddr string
	logLevel       string
	cpuProfile     string
	stateCacheMB   int64
	// The embedded broker and the HTTP listener have no authentication: a
	// non-loopback address for either needs its allow flag.
	embeddedAllowRemote bool
	httpAllowRemote     bool
	srAllowRemote       bool
	// allowInternalTopics lets statements use internal topics (repair only).
	allowInternalTopics bool
	// scriptDir is where RUN SCRIPT reads files ("": RUN SCRIPT is refused).
	scriptDir        string
	pgMaxConnections int
	// srAddr is the embedded Schema Registry's listen address; srURL an external
	// registry used instead of it.
	srAddr string
	srURL  string
	// defaults are session properties every session starts with (--config k=v).
	defaults  map[string]string
	pgAuth    pgAuthConfig
	kafkaAuth kafkaAuthConfig
}

// propertyFlags collects repeated --config name=value flags.
type propertyFlags map[string]string

func (p propertyFlags) String() string { return fmt.Sprint(map[string]string(p)) }

func (p propertyFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	p[strings.TrimSpace(k)] = strings.TrimSpace(v)
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "broker" {
		logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
		if err := runBroker(os.Args[2:], logger); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return
			}
			logger.Error("sluice broker stopped", "err", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	flag.StringVar(&cfg.dataDir, "data-dir", "./sluice-data", "directory for state, the embedded broker's log and metadata")
	flag.StringVar(&cfg.pgAddr, "pg-addr", "127.0.0.1:5433", "Postgres wire protocol listen address")
	flag.StringVar(&cfg.httpAddr, "http-addr", "127.0.0.1:8088", "HTTP listen address (the console, /healthz, /queries, /connectors, /metrics, ksqlDB's REST API)")
	flag.StringVar(&cfg.kafka, "kafka", "", "bootstrap servers of an external Kafka cluster (comma-separated); empty runs the embedded broker")
	flag.StringVar(&cfg.embeddedAddr, "embedded-kafka-addr", "127.0.0.1:9092", "listen address of the embedded broker")
	flag.BoolVar(&cfg.embeddedAllowRemote, "embedded-kafka-allow-remote", false, "allow a non-loopback --embedded-kafka-addr (without --kafka-sasl-user the broker has no authentication: whoever reaches it reads and writes every topic, the command topic too)")
	flag.BoolVar(&cfg.httpAllowRemote, "http-allow-remote", false, "allow a non-loopback --http-addr (needed when nodes on other machines read this one; it has no authentication)")
	flag.IntVar(&cfg.pgMaxConnections, "pg-max-connections", 500, "most Postgres client connections open at once (one more is refused with 53300, as PostgreSQL's max_connections)")
	flag.StringVar(&cfg.scriptDir, "script-dir", "", "directory whose files RUN SCRIPT 'file' may run (empty: RUN SCRIPT is refused)")
	flag.BoolVar(&cfg.allowInternalTopics, "allow-internal-topics", false, "let statements read, write and delete internal topics (Sluice's, the Schema Registry's, Kafka's): for repairs only")
	flag.StringVar(&cfg.serviceID, "service-id", "sluice", "namespace of internal topics and consumer groups; nodes with the same id share queries")
	flag.StringVar(&cfg.readyFile, "ready-file", "", "write the listen addresses as JSON to this file once ready")
	flag.StringVar(&cfg.logLevel, "log-level", "info", "debug, info, warn or error")
	flag.Int64Var(&cfg.stateCacheMB, "state-cache-mb", 512, "block cache of the state store in MB: joins and aggregations read their state through it")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (for go tool pprof)")
	flag.StringVar(&cfg.srAddr, "schema-registry-addr", "127.0.0.1:8081", "listen address of the embedded Schema Registry (Confluent's REST API, state in the _schemas topic)")
	flag.BoolVar(&cfg.srAllowRemote, "schema-registry-allow-remote", false, "allow a non-loopback --schema-registry-addr (the embedded registry has no authentication)")
	flag.StringVar(&cfg.srURL, "schema-registry", "", "URL of an external Schema Registry to use instead of the embedded one")
	cfg.defaults = map[string]string{}
	flag.Var(propertyFlags(cfg.defaults), "config", "a default session property as name=value, e.g. auto.offset.reset=earliest (repeatable)")
	flag.StringVar(&cfg.nodeID, "node-id", "1", "this node's name among the nodes sharing a service id (its consumer group members and transactional ids)")
	flag.StringVar(&cfg.advertisedAddr, "advertised-addr", "", "host:port at which the other nodes reach this node's --http-addr (default: the --http-addr listener's address)")
	cfg.pgAuth.register(flag.CommandLine)
	cfg.kafkaAuth.register(flag.CommandLine, "kafka-", "the node's Kafka clients authenticate as it, and the embedded broker (without --kafka) lets in only it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: sluice [flags]          run a node (embedded broker unless --kafka)\n       sluice broker [flags]   run the embedded Kafka broker alone (sluice broker --help)\n\nflags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	stopWithGoRun()

	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "sluice: bad --log-level:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if _, set := os.LookupEnv("GOGC"); !set {
		// Stream processing allocates short-lived rows and records at a high rate;
		// a GC target of 200% trades heap headroom for CPU (q0 of the Nexmark
		// benchmark: 17% more events per CPU second than at Go's 100%). GOGC in the
		// environment overrides it.
		debug.SetGCPercent(200)
	}
	if err := run(cfg, logger); err != nil {
		logger.Error("sluice stopped", "err", err)
		os.Exit(1)
	}
}

func run(cfg config, logger *slog.Logger) error {
	// Before anything listens or opens a store: a second server on the same
	// directory stops here.
	unlock, err := lockDataDir(cfg.dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	tlsCfg, auth, err := cfg.pgAuth.serverSecurity(cfg.pgAddr)
	if err != nil {
		return err
	}
	if err := checkListenAddr("--http-addr", cfg.httpAddr, cfg.httpAllowRemote, "--http-allow-remote"); err != nil {
		return err
	}
	if cfg.srURL == "" {
		if err := checkListenAddr("--schema-registry-addr", cfg.srAddr, cfg.srAllowRemote, "--schema-registry-allow-remote"); err != nil {
			return err
		}
	}
	if cfg.kafka == "" {
		if err := checkListenAddr("--embedded-kafka-addr", cfg.embeddedAddr, cfg.embeddedAllowRemote, "--embedded-kafka-allow-remote"); err != nil {
			return err
		}
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	scram, err := cfg.kafkaAuth.scram("kafka-")
	if err != nil {
		return err
	}
	brokers := splitList(cfg.kafka)
	var embedded *kafkaio.Embedded
	if len(brokers) == 0 {
		var err error
		if embedded, err = kafkaio.StartEmbedded(cfg.dataDir, cfg.embeddedAddr, kafkaio.EmbeddedConfig{SCRAM: scram}); err != nil {
			return err
		}
		defer embedded.Close()
		brokers = []string{embedded.Addr()}
		logger.Info("embedded kafka broker started", "addr", embedded.Addr(), "dir", filepath.Join(cfg.dataDir, "kafka"))
	}
	node := metrics.New()
	clientOpts := []kgo.Opt{kgo.WithHooks(node.KafkaHooks())}
	if scram != nil {
		clientOpts = append(clientOpts, scram.ClientOpt())
	}
	cluster, err := kafkaio.Connect(brokers, logger, clientOpts...)
	if err != nil {
		return err
	}
	defer cluster.Close()
	if err := pingKafka(cluster, brokers, scram); err != nil {
		return err
	}

	state, err := storage.Open(filepath.Join(cfg.dataDir, "state"), storage.Options{CacheBytes: cfg.stateCacheMB << 20})
	if err != nil {
		return err
	}
	defer state.Close()

	srURL, stopSR, err := startSchemaRegistry(cfg, cluster, logger)
	if err != nil {
		return err
	}
	defer stopSR()

	pgLn, err := net.Listen("tcp", cfg.pgAddr)
	if err != nil {
		return fmt.Errorf("listen on --pg-addr: %w", err)
	}
	defer pgLn.Close()
	httpLn, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return fmt.Errorf("listen on --http-addr: %w", err)
	}
	defer httpLn.Close()
	advertised := cfg.advertisedAddr
	if advertised == "" {
		advertised = httpLn.Addr().String()
	}

	openCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	peers, err := nodes.Start(openCtx, cluster, "_sluice_"+cfg.serviceID+"_nodes", nodes.Node{ID: cfg.nodeID, Addr: advertised}, nodes.Options{}, logger)
	if err != nil {
		return fmt.Errorf("announce this node (is Kafka at %s reachable?): %w", strings.Join(brokers, ","), err)
	}
	eng, err := engine.Open(openCtx, engine.Config{ServiceID: cfg.serviceID, NodeID: cfg.nodeID, Cluster: cluster, Logger: logger,
		Defaults: cfg.defaults, State: state, Nodes: peers, Peers: nodes.NewClient(10 * time.Second), SchemaRegistryURL: srURL,
		Observer: node, AllowInternalTopics: cfg.allowInternalTopics, ScriptDir: cfg.scriptDir})
	if err != nil {
		peers.Close()
		return fmt.Errorf("start engine (is Kafka at %s reachable?): %w", strings.Join(brokers, ","), err)
	}
	defer eng.Close()
	// Runs before the engine closes: peers stop asking this node for rows
	// before its queries stop.
	defer peers.Close()
	node.CollectQueries(eng)
	node.CollectConnectors(eng)
	face := pgface.New(pgface.Config{Sources: eng})
	pg := server.New(server.Config{Logger: logger, TLS: tlsCfg, Auth: auth, MaxConnections: cfg.pgMaxConnections}, wireEngine{e: eng, face: face, metrics: node})
	health := &listenerHealth{}
	go func() {
		if err := pg.Serve(pgLn); err != nil && !errors.Is(err, server.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			logger.Error("postgres listener stopped", "err", err)
			health.failed("postgres listener", err)
		}
	}()
	rest := ksqlrest.New(ksqlrest.Config{Engine: eng, ServiceID: cfg.serviceID, Advertised: advertised})
	// HTTP/2 without TLS (prior knowledge) beside HTTP/1.1: ksqlDB's
	// /query-stream clients speak HTTP/2.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	httpSrv := &http.Server{Handler: httpHandler(eng, node, rest, health), ReadHeaderTimeout: 10 * time.Second, Protocols: &protocols}
	go func() {
		if err := httpSrv.Serve(httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http listener stopped", "err", err)
		}
	}()

	ready := map[string]string{"pg_addr": pgLn.Addr().String(), "http_addr": httpLn.Addr().String(), "kafka_addr": strings.Join(brokers, ","),
		"node_id": cfg.nodeID, "advertised_addr": advertised, "schema_registry_url": srURL}
	fmt.Printf("sluice is ready\n  postgres: psql -h %s -p %s\n  http:     http://%s/ (console; /metrics, /healthz, ksqlDB's REST API)\n  kafka:    %s\n  schema registry: %s\n  data dir: %s\n",
		host(pgLn.Addr()), port(pgLn.Addr()), httpLn.Addr(), ready["kafka_addr"], srURL, cfg.dataDir)
	if cfg.readyFile != "" {
		if err := writeReadyFile(cfg.readyFile, ready); err != nil {
			return err
		}
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	logger.Info("shutting down", "signal", s.String())
	pg.Close()
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	_ = httpSrv.Shutdown(shutdownCtx)
	// Deferred: engine (queries commit their last batch), state store, client, broker.
	return nil
}

// writeReadyFile writes atomically so a watcher never reads half a file.
func writeReadyFile(path string, addrs map[string]string) error {
	data, err := json.Marshal(addrs)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// listenerHealth remembers listeners that stopped serving.
type listenerHealth struct {
	mu       sync.Mutex
	problems []string
}

func (h *listenerHealth) failed(name string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.problems = append(h.problems, fmt.Sprintf("%s stopped: %v", name, err))
}

func (h *listenerHealth) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.problems)
}

// healthProblems is what keeps the node from being healthy: shutting down, a
// listener that stopped, a query that failed (ERROR) or is starting again
// after a failure (RECOVERING).
func healthProblems(eng *engine.Engine, health *listenerHealth) []string {
	if !eng.Healthy() {
		return []string{"shutting down"}
	}
	problems := health.list()
	for _, q := range eng.Failing() {
		problems = append(problems, fmt.Sprintf("query %s is %s: %s", q.ID, q.State, q.Error))
	}
	return problems
}

func httpHandler(eng *engine.Engine, node *metrics.Node, rest *ksqlrest.API, health *listenerHealth) http.Handler {
	mux := http.NewServeMux()
	rest.Register(mux)
	ui := console.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /console/", ui)
	mux.Handle("/metrics", node.Handler())
	// /healthz: is everything on this node working (503 lists what is not).
	// /readyz: can this node take client traffic now (a failed query elsewhere
	// does not stop it answering), for load balancers.
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if problems := healthProblems(eng, health); len(problems) > 0 {
			http.Error(w, strings.Join(problems, "\n"), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !eng.Healthy() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		if problems := health.list(); len(problems) > 0 {
			http.Error(w, strings.Join(problems, "\n"), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle(nodes.RowsPath, nodes.Handler(eng.LocalRows))
	mux.HandleFunc("/queries", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(eng.Queries())
	})
	mux.HandleFunc("/connectors", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(eng.Connectors())
	})
	return mux
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func host(a net.Addr) string { h, _, _ := net.SplitHostPort(a.String()); return h }
func port(a net.Addr) string { _, p, _ := net.SplitHostPort(a.String()); return p }

// pingKafka checks that the brokers answer, so that a node that cannot use
// them says why before anything starts. A broker that refuses a SASL user's
// password just closes the connection, which the client sees as EOF.
func pingKafka(cluster *kafkaio.Cluster, brokers []string, scram *kafkaio.SCRAM) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cluster.Producer().Ping(ctx)
	switch {
	case err == nil:
		return nil
	case scram != nil && errors.Is(err, io.EOF):
		return fmt.Errorf("kafka %s closed the connection: SASL/SCRAM authentication as %q failed (check --kafka-sasl-user): %w", strings.Join(brokers, ","), scram.User, err)
	}
	return fmt.Errorf("kafka %s: %w", strings.Join(brokers, ","), err)
}

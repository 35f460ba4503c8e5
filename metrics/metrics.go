package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/sqlerr"
)

// Queries is the engine as the metrics read it.
type Queries interface {
	// Queries returns the status of every persistent query on this node.
	Queries() []engine.QueryStatus
}

// Node holds one node's metrics. It implements engine.Observer; the wire
// adapter reports connections and statement errors to it, and Kafka clients
// report their requests through KafkaHooks.
type Node struct {
	reg *prometheus.Registry

	pull, push     *prometheus.HistogramVec
	pushActive     prometheus.Gauge
	commit         *prometheus.HistogramVec
	connsOpen      prometheus.Gauge
	conns          prometheus.Counter
	stmtErrors     *prometheus.CounterVec
	stmts          *prometheus.HistogramVec
	kafkaRequests  *prometheus.CounterVec
	kafkaErrors    *prometheus.CounterVec
	kafkaConnFails prometheus.Counter
}

// Names of the metrics, so that tests and the Grafana dashboard refer to the
// same strings as the code.
const (
	namePullDuration   = "sluice_pull_query_duration_seconds"
	namePushDuration   = "sluice_push_query_duration_seconds"
	namePushActive     = "sluice_push_queries_active"
	nameCommitDuration = "sluice_query_commit_duration_seconds"
)

// latencyBuckets span a key lookup (sub-millisecond) to a scan of a large table
// or a long commit (tens of seconds).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New builds the metrics of a node, with the Go runtime and process
// collectors, on a registry of its own. The per-query metrics come with
// CollectQueries, once the engine is open (its Kafka clients need the hooks
// before).
func New() *Node {
	n := &Node{reg: prometheus.NewRegistry()}
	n.pull = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: namePullDuration,
		Help: "Time from a pull query's start to its last row, by outcome (ok, error).", Buckets: latencyBuckets}, []string{"outcome"})
	n.push = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: namePushDuration,
		Help:    "How long push queries (EMIT CHANGES) ran until their LIMIT, cancellation or error, by outcome (ok, error).",
		Buckets: []float64{.1, 1, 10, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600}}, []string{"outcome"})
	n.pushActive = prometheus.NewGauge(prometheus.GaugeOpts{Name: namePushActive, Help: "Push queries running now."})
	n.commit = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: nameCommitDuration,
		Help: "Time a persistent query's commit protocol took per batch (sink, changelog, state, offsets).", Buckets: latencyBuckets}, []string{"query"})
	n.connsOpen = prometheus.NewGauge(prometheus.GaugeOpts{Name: "sluice_connections_active", Help: "Postgres-wire connections open now."})
	n.conns = prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_connections_total", Help: "Postgres-wire connections accepted."})
	n.stmtErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_statement_errors_total",
		Help: "Statements that failed, by the SQLSTATE sent to the client."}, []string{"sqlstate"})
	n.stmts = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_statement_duration_seconds",
		Help:    "Time each Postgres-wire Execute took (every statement, either dialect; a push query until it ends), by outcome (ok, error).",
		Buckets: latencyBuckets}, []string{"outcome"})
	n.kafkaRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_kafka_requests_total",
		Help: "Requests this node's Kafka clients sent to brokers, by request (Produce, Fetch, ...)."}, []string{"request"})
	n.kafkaErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_kafka_request_errors_total",
		Help: "Broker requests that failed to be written or read (connection errors, timeouts, cancellations), by request."}, []string{"request"})
	n.kafkaConnFails = prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_kafka_connect_errors_total",
		Help: "Failed attempts to connect to a broker."})
	n.reg.MustRegister(n.pull, n.push, n.pushActive, n.commit, n.connsOpen, n.conns, n.stmtErrors, n.stmts,
		n.kafkaRequests, n.kafkaErrors, n.kafkaConnFails,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return n
}

// CollectQueries adds the per-query metrics, read from qs at each scrape.
// Called once.
func (n *Node) CollectQueries(qs Queries) {
	n.reg.MustRegister(queryCollector{qs: qs})
}

// Handler serves the registry in Prometheus' exposition formats.
func (n *Node) Handler() http.Handler {
	return promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{Registry: n.reg})
}

// Registry returns the node's registry (for tests and embedding programs).
func (n *Node) Registry() *prometheus.Registry { return n.reg }

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// PullQuery implements engine.Observer.
func (n *Node) PullQuery(took time.Duration, err error) {
	n.pull.WithLabelValues(outcome(err)).Observe(took.Seconds())
}

// PushQueryStarted implements engine.Observer.
func (n *Node) PushQueryStarted() { n.pushActive.Inc() }

// PushQueryEnded implements engine.Observer.
func (n *Node) PushQueryEnded(took time.Duration, err error) {
	n.pushActive.Dec()
	n.push.WithLabelValues(outcome(err)).Observe(took.Seconds())
}

// Commit implements engine.Observer.
func (n *Node) Commit(queryID string, took time.Duration) {
	n.commit.WithLabelValues(queryID).Observe(took.Seconds())
}

// ConnectionOpened and ConnectionClosed count Postgres-wire connections.
func (n *Node) ConnectionOpened() { n.conns.Inc(); n.connsOpen.Inc() }

// ConnectionClosed: see ConnectionOpened.
func (n *Node) ConnectionClosed() { n.connsOpen.Dec() }

// Statement observes a statement executed over the wire; err is what the
// client was sent (its SQLSTATE is counted).
func (n *Node) Statement(took time.Duration, err error) {
	n.stmts.WithLabelValues(outcome(err)).Observe(took.Seconds())
	if err != nil {
		n.stmtErrors.WithLabelValues(sqlerr.CodeOf(err)).Inc()
	}
}

// queryCollector reads the engine's per-query state at each scrape.
type queryCollector struct{ qs Queries }

var (
	descState = prometheus.NewDesc("sluice_query_state", "1 for the query's current state (RUNNING, RECOVERING, ERROR, STOPPED).",
		[]string{"query", "state"}, nil)
	descIn = prometheus.NewDesc("sluice_query_records_in_total",
		"Records read from the query's source topics in committed batches on this node since it started.", []string{"query"}, nil)
	descOut = prometheus.NewDesc("sluice_query_records_out_total",
		"Records written to the query's sink topic on this node since it started.", []string{"query"}, nil)
	descRepart = prometheus.NewDesc("sluice_query_records_repartitioned_total",
		"Records written to the query's repartition topics on this node since it started.", []string{"query"}, nil)
	descFailed = prometheus.NewDesc("sluice_query_processing_log_entries_total",
		"Records that failed (decode, evaluate, encode) or were lost, each one entry in the processing log.", []string{"query"}, nil)
	descLag = prometheus.NewDesc("sluice_query_lag_records",
		"Records of an input partition this node has not committed yet (last stable offset of the last fetch minus the committed position).",
		[]string{"query", "topic", "partition"}, nil)
	descLagTotal = prometheus.NewDesc("sluice_query_total_lag_records",
		"The sum of sluice_query_lag_records over the query's partitions on this node.", []string{"query"}, nil)
	descRebalances = prometheus.NewDesc("sluice_query_rebalances_total",
		"Assignment changes (partitions assigned or revoked) this node's member of the query's group saw.", []string{"query"}, nil)
	descStateBytes = prometheus.NewDesc("sluice_query_state_bytes",
		"Estimated bytes of the query's state on this node's disk.", []string{"query"}, nil)
	descRestoring = prometheus.NewDesc("sluice_query_restoring_partitions",
		"Partitions rebuilding their state from the changelog now (their pull queries wait).", []string{"query"}, nil)
	descRestored = prometheus.NewDesc("sluice_query_restored_records_total",
		"Changelog records replayed into the query's state on this node.", []string{"query"}, nil)
	descLastEvent = prometheus.NewDesc("sluice_query_last_event_timestamp_seconds",
		"The greatest record timestamp the query committed (freshness: time() minus this).", []string{"query"}, nil)
)

func (queryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descState, descIn, descOut, descRepart, descFailed, descLag, descLagTotal,
		descRebalances, descStateBytes, descRestoring, descRestored, descLastEvent} {
		ch <- d
	}
}

func (c queryCollector) Collect(ch chan<- prometheus.Metric) {
	for _, q := range c.qs.Queries() {
		id := q.ID
		ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, 1, id, q.State)
		ch <- prometheus.MustNewConstMetric(descIn, prometheus.CounterValue, float64(q.RecordsIn), id)
		ch <- prometheus.MustNewConstMetric(descOut, prometheus.CounterValue, float64(q.RecordsOut), id)
		ch <- prometheus.MustNewConstMetric(descRepart, prometheus.CounterValue, float64(q.Repartitioned), id)
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(q.ProcessingLogEntries), id)
		for _, p := range q.Partitions {
			if p.Position < 0 || p.End < 0 {
				continue // unknown until the partition's first fetch
			}
			ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(p.Lag), id, p.Topic, strconv.Itoa(int(p.Partition)))
		}
		ch <- prometheus.MustNewConstMetric(descLagTotal, prometheus.GaugeValue, float64(q.Lag), id)
		ch <- prometheus.MustNewConstMetric(descRebalances, prometheus.CounterValue, float64(q.Rebalances), id)
		ch <- prometheus.MustNewConstMetric(descStateBytes, prometheus.GaugeValue, float64(q.StateBytes), id)
		ch <- prometheus.MustNewConstMetric(descRestoring, prometheus.GaugeValue, float64(q.RestoringPartitions), id)
		ch <- prometheus.MustNewConstMetric(descRestored, prometheus.CounterValue, float64(q.RestoredRecords), id)
		if q.LastEventTime != nil {
			ch <- prometheus.MustNewConstMetric(descLastEvent, prometheus.GaugeValue, float64(q.LastEventTime.UnixMilli())/1000, id)
		}
	}
}

// Package metrics exposes a node's state and events in Prometheus' text format
// (GET /metrics). The per-query gauges and counters are read from the engine at
// scrape time (Engine.Queries), so the hot paths keep their own atomic counters
// and know nothing of Prometheus; only events without a counter of their own
// (statement latencies, commit durations, connections, statement errors, Kafka
// request errors) are observed as they happen, through the engine's Observer,
// the wire adapter and a franz-go hook. Everything is registered on the
// registry New builds: nothing goes to Prometheus' global default registry.
package metrics

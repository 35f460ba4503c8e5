package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-db/sluice/engine"
)

// Connectors is the engine as the connector metrics read it.
type Connectors interface {
	// Connectors returns the status of every connector on this node.
	Connectors() []engine.ConnectorInfo
}

// CollectConnectors adds the per-connector metrics (CREATE SINK CONNECTOR),
// read from cs at each scrape. Called once.
func (n *Node) CollectConnectors(cs Connectors) {
	n.reg.MustRegister(connectorCollector{cs: cs})
}

// connectorCollector reads each connector's status at each scrape, as
// queryCollector does for queries.
type connectorCollector struct{ cs Connectors }

var (
	descConnState = prometheus.NewDesc("sluice_connector_state",
		"1 for the connector's current state (RUNNING, RETRYING, FAILED, STOPPED, PENDING).", []string{"connector", "state"}, nil)
	descConnRows = prometheus.NewDesc("sluice_connector_rows_written_total",
		"Records the connector wrote to the database (rows inserted, upserted, updated or deleted) on this node since it started.", []string{"connector"}, nil)
	descConnBatches = prometheus.NewDesc("sluice_connector_batches_total",
		"Batches the connector committed (each one database transaction with its offsets) on this node since it started.", []string{"connector"}, nil)
	descConnRejected = prometheus.NewDesc("sluice_connector_rejected_records_total",
		"Records the connector skipped under errors.tolerance=all (sent to the processing log and any dead-letter topic).", []string{"connector"}, nil)
	descConnErrors = prometheus.NewDesc("sluice_connector_write_errors_total",
		"Failed attempts to write a batch or prepare the database (each retry, and a last failure that stopped the connector).", []string{"connector"}, nil)
	descConnLag = prometheus.NewDesc("sluice_connector_lag_records",
		"Records of the connector's partitions on this node not written yet (high watermark of the last fetch minus the stored position).", []string{"connector"}, nil)
	descConnParts = prometheus.NewDesc("sluice_connector_partitions",
		"Topic partitions assigned to the connector on this node.", []string{"connector"}, nil)
	descConnPaused = prometheus.NewDesc("sluice_connector_paused_partitions",
		"Partitions whose fetching waits for the database (back-pressure: a full queue or a batch being retried).", []string{"connector"}, nil)
	descConnLastBatch = prometheus.NewDesc("sluice_connector_last_batch_timestamp_seconds",
		"When the connector last committed a batch on this node.", []string{"connector"}, nil)
)

func (connectorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnState, descConnRows, descConnBatches, descConnRejected, descConnErrors,
		descConnLag, descConnParts, descConnPaused, descConnLastBatch} {
		ch <- d
	}
}

func (c connectorCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.cs.Connectors() {
		name := s.Name
		ch <- prometheus.MustNewConstMetric(descConnState, prometheus.GaugeValue, 1, name, s.State)
		ch <- prometheus.MustNewConstMetric(descConnRows, prometheus.CounterValue, float64(s.RowsWritten), name)
		ch <- prometheus.MustNewConstMetric(descConnBatches, prometheus.CounterValue, float64(s.Batches), name)
		ch <- prometheus.MustNewConstMetric(descConnRejected, prometheus.CounterValue, float64(s.Rejected), name)
		ch <- prometheus.MustNewConstMetric(descConnErrors, prometheus.CounterValue, float64(s.WriteErrors), name)
		ch <- prometheus.MustNewConstMetric(descConnLag, prometheus.GaugeValue, float64(s.Lag), name)
		ch <- prometheus.MustNewConstMetric(descConnParts, prometheus.GaugeValue, float64(s.Partitions), name)
		ch <- prometheus.MustNewConstMetric(descConnPaused, prometheus.GaugeValue, float64(s.PausedPartitions), name)
		if !s.LastBatchAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(descConnLastBatch, prometheus.GaugeValue, float64(s.LastBatchAt.UnixMilli())/1000, name)
		}
	}
}

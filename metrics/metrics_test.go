package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/sqlerr"
)

type fakeQueries []engine.QueryStatus

func (f fakeQueries) Queries() []engine.QueryStatus { return f }

type fakeConnectors []engine.ConnectorInfo

func (f fakeConnectors) Connectors() []engine.ConnectorInfo { return f }

// exposed returns the names of every metric a node exposes once each of its
// events has happened and it has a query with every field set.
func exposed(t *testing.T) map[string]bool {
	t.Helper()
	n := New()
	at := time.UnixMilli(1_700_000_000_000)
	n.CollectQueries(fakeQueries{{ID: "CSAS_X_1", State: "RUNNING", RecordsIn: 3, RecordsOut: 2, Lag: 1,
		Partitions:    []engine.PartitionStatus{{Topic: "x", Partition: 0, Position: 2, End: 3, Lag: 1}},
		LastEventTime: &at}})
	conn := engine.ConnectorInfo{Name: "PG"}
	conn.State, conn.RowsWritten, conn.Batches, conn.LastBatchAt = "RUNNING", 5, 1, at
	n.CollectConnectors(fakeConnectors{conn})
	n.PullQuery(time.Millisecond, nil)
	n.PushQueryStarted()
	n.PushQueryEnded(time.Second, nil)
	n.Commit("CSAS_X_1", time.Millisecond)
	n.ConnectionOpened()
	n.Statement(time.Millisecond, sqlerr.New(sqlerr.UndefinedTable, "no"))
	h := n.KafkaHooks().(kafkaHooks)
	h.OnBrokerE2E(kgo.BrokerMetadata{}, 0, kgo.BrokerE2E{WriteErr: errors.New("broken pipe")})
	h.OnBrokerConnect(kgo.BrokerMetadata{}, 0, nil, errors.New("refused"))
	fams, err := n.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

var metricName = regexp.MustCompile(`\b(?:sluice|go|process)_[a-z0-9_]+\b`)

// TestDashboardMetricsExist checks that every metric the Grafana dashboard's
// expressions and variables refer to is one a node exposes.
func TestDashboardMetricsExist(t *testing.T) {
	names := exposed(t)
	data, err := os.ReadFile("../docs/grafana/sluice.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	var exprs []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition" || k == "query") {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(exprs) < 10 {
		t.Fatalf("found %d expressions in the dashboard", len(exprs))
	}
	refs := 0
	for _, e := range exprs {
		for _, m := range metricName.FindAllString(e, -1) {
			refs++
			base := m
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if b, ok := strings.CutSuffix(m, suffix); ok && names[b] {
					base = b
				}
			}
			if !names[base] {
				t.Errorf("dashboard expression %q refers to %s, which no node exposes", e, m)
			}
		}
	}
	if refs == 0 {
		t.Fatal("no metric names found in the dashboard")
	}
}

// TestREADMEDocumentsMetrics checks that README's metrics table names every
// sluice_ metric a node exposes.
func TestREADMEDocumentsMetrics(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for name := range exposed(t) {
		if strings.HasPrefix(name, "sluice_") && !strings.Contains(string(data), "| `"+name+"` |") {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("README's metrics table lacks %v", missing)
	}
}

// TestConnectorMetrics checks the per-connector series against a status.
func TestConnectorMetrics(t *testing.T) {
	n := New()
	c := engine.ConnectorInfo{Name: "PG"}
	c.State, c.RowsWritten, c.Batches, c.WriteErrors, c.Lag, c.Partitions, c.PausedPartitions = "RETRYING", 1200, 4, 3, 70, 4, 2
	n.CollectConnectors(fakeConnectors{c})
	fams, err := n.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "sluice_connector_") {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			got[f.GetName()] = fmt.Sprintf("%s %g", strings.Join(labels, ","), v)
		}
	}
	want := map[string]string{
		"sluice_connector_state":                  "connector=PG,state=RETRYING 1",
		"sluice_connector_rows_written_total":     "connector=PG 1200",
		"sluice_connector_batches_total":          "connector=PG 4",
		"sluice_connector_rejected_records_total": "connector=PG 0",
		"sluice_connector_write_errors_total":     "connector=PG 3",
		"sluice_connector_lag_records":            "connector=PG 70",
		"sluice_connector_partitions":             "connector=PG 4",
		"sluice_connector_paused_partitions":      "connector=PG 2",
		// No batch committed yet: no last-batch time.
	}
	if !maps.Equal(got, want) {
		t.Errorf("connector series:\n got %v\nwant %v", got, want)
	}
}

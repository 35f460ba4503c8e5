package metrics

import (
	"encoding/json"
	"errors"
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

// exposed returns the names of every metric a node exposes once each of its
// events has happened and it has a query with every field set.
func exposed(t *testing.T) map[string]bool {
	t.Helper()
	n := New()
	at := time.UnixMilli(1_700_000_000_000)
	n.CollectQueries(fakeQueries{{ID: "CSAS_X_1", State: "RUNNING", RecordsIn: 3, RecordsOut: 2, Lag: 1,
		Partitions:    []engine.PartitionStatus{{Topic: "x", Partition: 0, Position: 2, End: 3, Lag: 1}},
		LastEventTime: &at}})
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

package sqltests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestMetrics scrapes GET /metrics of a running server over HTTP, after a
// stream query, an aggregation, a pull query and a failing statement, and checks
// the metrics against what was produced and run.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := connectPG(t, ctx, srv)
	defer s.Close()
	runSQL(t, ctx, s, `SET 'auto.offset.reset' = 'earliest'`)
	runSQL(t, ctx, s, `CREATE STREAM m_orders (id INT KEY, qty INT) WITH (KAFKA_TOPIC='m_orders', VALUE_FORMAT='JSON', PARTITIONS=2)`)
	runSQL(t, ctx, s, `CREATE STREAM m_big AS SELECT id, qty FROM m_orders WHERE qty > 5 EMIT CHANGES`)
	runSQL(t, ctx, s, `CREATE TABLE m_totals AS SELECT id, SUM(qty) AS total FROM m_orders GROUP BY id EMIT CHANGES`)
	ids := map[string]string{}
	for _, r := range runSQL(t, ctx, s, `SHOW QUERIES`)[0].Rows {
		ids[*r[3]] = *r[0] // sink name -> query id
	}
	big, totals := ids["M_BIG"], ids["M_TOTALS"]
	if big == "" || totals == "" {
		t.Fatalf("SHOW QUERIES: want the queries of M_BIG and M_TOTALS, got %v", ids)
	}

	k, err := harness.NewKafka(srv.Addrs.Kafka)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	const good = 40
	var recs []harness.Record
	bigWant := 0
	for i := range good {
		qty := i % 10
		if qty > 5 {
			bigWant++
		}
		recs = append(recs, harness.Record{Partition: int32(i % 2), Key: []byte{0, 0, 0, byte(i % 7)}, Value: fmt.Appendf(nil, `{"QTY": %d}`, qty), Timestamp: 1_700_000_000_000 + int64(i)})
	}
	recs = append(recs, harness.Record{Partition: 1, Key: []byte{0, 0, 0, 1}, Value: []byte(`{"QTY": not json`), Timestamp: 1_700_000_000_000 + good})
	if err := k.Produce(ctx, "m_orders", recs); err != nil {
		t.Fatal(err)
	}
	runSQL(t, ctx, s, `AWAIT IDLE TIMEOUT 60 SECONDS`)
	runSQL(t, ctx, s, `SELECT * FROM m_totals WHERE id = 3`) // the Postgres dialect's answer
	runSQL(t, ctx, s, `SET sluice.dialect = 'ksql'`)
	runSQL(t, ctx, s, `SELECT * FROM m_totals WHERE id = 3`) // a ksqlDB pull query
	runSQL(t, ctx, s, `SELECT * FROM m_orders EMIT CHANGES LIMIT 2`)
	if _, err := s.Run(ctx, `SELECT * FROM no_such_table`); err == nil {
		t.Fatal("a pull query over a missing table succeeded")
	}

	fams := scrape(t, ctx, "http://"+srv.Addrs.HTTP+"/metrics")
	q := func(name, query string) float64 {
		t.Helper()
		return value(t, fams, name, map[string]string{"query": query})
	}
	for _, id := range []string{big, totals} {
		if got := q("sluice_query_records_in_total", id); got != good+1 {
			t.Errorf("%s records in: got %v, want %d (every record produced, the bad one included)", id, got, good+1)
		}
		if got := q("sluice_query_processing_log_entries_total", id); got != 1 {
			t.Errorf("%s processing log entries: got %v, want 1", id, got)
		}
		if got := q("sluice_query_total_lag_records", id); got != 0 {
			t.Errorf("%s lag after AWAIT IDLE: got %v, want 0", id, got)
		}
		if got := value(t, fams, "sluice_query_state", map[string]string{"query": id, "state": "RUNNING"}); got != 1 {
			t.Errorf("%s state RUNNING: got %v", id, got)
		}
		if got := q("sluice_query_last_event_timestamp_seconds", id); got != float64(1_700_000_000_000+good)/1000 {
			t.Errorf("%s last event time: got %v, want %v", id, got, float64(1_700_000_000_000+good)/1000)
		}
		if got := histogramCount(t, fams, "sluice_query_commit_duration_seconds", map[string]string{"query": id}); got == 0 {
			t.Errorf("%s: no commit observed", id)
		}
		parts := 0
		for _, m := range family(t, fams, "sluice_query_lag_records").Metric {
			if labels(m)["query"] == id {
				parts++
				if m.GetGauge().GetValue() != 0 {
					t.Errorf("%s partition lag %v: %v", id, labels(m), m.GetGauge().GetValue())
				}
			}
		}
		if parts != 2 {
			t.Errorf("%s: lag of %d partitions, want 2", id, parts)
		}
		if got := q("sluice_query_rebalances_total", id); got < 1 {
			t.Errorf("%s rebalances: got %v, want at least the first assignment", id, got)
		}
	}
	if got := q("sluice_query_records_out_total", big); got != float64(bigWant) {
		t.Errorf("M_BIG records out: got %v, want %d", got, bigWant)
	}
	if got := q("sluice_query_state_bytes", totals); got < 0 {
		t.Errorf("M_TOTALS state bytes: %v", got)
	}
	if got := histogramCount(t, fams, "sluice_pull_query_duration_seconds", map[string]string{"outcome": "ok"}); got < 1 {
		t.Errorf("pull queries ok: %v", got)
	}
	if got := histogramCount(t, fams, "sluice_push_query_duration_seconds", map[string]string{"outcome": "ok"}); got != 1 {
		t.Errorf("push queries ok: %v, want 1", got)
	}
	if got := value(t, fams, "sluice_push_queries_active", nil); got != 0 {
		t.Errorf("push queries active: %v, want 0", got)
	}
	if got := histogramCount(t, fams, "sluice_statement_duration_seconds", map[string]string{"outcome": "ok"}); got < 10 {
		t.Errorf("statements ok: %v, want at least the 10 run", got)
	}
	if got := value(t, fams, "sluice_statement_errors_total", map[string]string{"sqlstate": "42P01"}); got < 1 {
		t.Errorf("statement errors 42P01: %v", got)
	}
	if got := value(t, fams, "sluice_connections_active", nil); got != 1 {
		t.Errorf("connections active: %v, want 1", got)
	}
	if got := value(t, fams, "sluice_kafka_requests_total", map[string]string{"request": "Produce"}); got < 1 {
		t.Errorf("Kafka Produce requests: %v", got)
	}
	runSQL(t, ctx, s, `TERMINATE `+big)
	// The lifecycle is in the server's structured log.
	logText, err := os.ReadFile(filepath.Join(dir, "sluice.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`msg="query created" query=` + big,
		`msg="query started" query=` + big,
		`msg="tasks assigned" query=` + big,
		`msg="partition resumed" query=` + totals + ` topic=m_orders`,
		`msg="query terminated" query=` + big,
	} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("the server log has no line with %s", want)
		}
	}
	family(t, fams, "go_goroutines")
	family(t, fams, "process_resident_memory_bytes")
}

// scrape GETs a Prometheus endpoint and parses its text format.
func scrape(t *testing.T, ctx context.Context, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

func family(t *testing.T, fams map[string]*dto.MetricFamily, name string) *dto.MetricFamily {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	return f
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.Label {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// find returns the metric of family name whose labels include want.
func find(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	for _, m := range family(t, fams, name).Metric {
		ls, ok := labels(m), true
		for k, v := range want {
			ok = ok && ls[k] == v
		}
		if ok {
			return m
		}
	}
	t.Fatalf("no %s with labels %v", name, want)
	return nil
}

// value is a counter's, gauge's or untyped metric's value.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	m := find(t, fams, name, want)
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	t.Fatalf("%s is neither a counter nor a gauge", name)
	return 0
}

func histogramCount(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) uint64 {
	t.Helper()
	m := find(t, fams, name, want)
	if m.Histogram == nil {
		t.Fatalf("%s is not a histogram", name)
	}
	return m.Histogram.GetSampleCount()
}

package exec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/cockroachdb/datadriven"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
)

// memLog is a ProcessingLog that keeps entries for assertions.
type memLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *memLog) Record(queryID string, err error, topic string, partition int32, offset int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, fmt.Sprintf("%s@%d: %v", topic, offset, err))
}

// TestOperators drives the decode -> filter/project -> encode chain record by record:
//
//	ddl                 CREATE STREAM statements
//	query               CREATE STREAM ... AS SELECT; following `input` runs through it
//	input               one record per line: key|value|timestamp (key/value "null" for none)
//	                    prints sink records as key|value|timestamp and processing-log entries
//	plan, records,      the table query operator (aggregations) over a Pebble store:
//	state, restart      see tableHarness
func TestOperators(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if strings.HasPrefix(path, filepath.Join("testdata", "join")+string(filepath.Separator)) {
			runJoinFile(t, path) // the join operator's harness (join_test.go)
			return
		}
		table := newTableHarness(t)
		cat := catalog.New()
		pl := &planner.Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}
		var qp *plan.QueryPlan
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "ddl", "query":
				err := planScript(t, cat, pl, d.Input, 1, func(p *plan.QueryPlan) error {
					qp = p
					return nil
				})
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return "ok\n"
			case "input":
				return runRecords(t, qp, d.Input)
			case "plan", "records", "state", "restart":
				return table.run(t, d)
			}
			t.Fatalf("unknown command %s", d.Cmd)
			return ""
		})
	})
}

func runRecords(t *testing.T, qp *plan.QueryPlan, input string) string {
	// Decoding only what the plan reads must not change any output.
	dec, err := newSourceDecoder(qp.Source, qp.Timestamp, planReads(qp)...)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := newSinkEncoder(qp.Sink)
	if err != nil {
		t.Fatal(err)
	}
	log := &memLog{}
	pipe := &pipeline{qp: qp, queryID: "q", log: log}
	row := make([]any, dec.width)
	out := make([]any, len(qp.Items))
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(input), "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			t.Fatalf("bad record line %q", line)
		}
		ts, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		rec := &kgo.Record{Topic: qp.Source.Topic, Key: bytesOrNil(parts[0]), Value: bytesOrNil(parts[1]),
			Timestamp: time.UnixMilli(ts), Offset: int64(i)}
		nullValue, ok := decodeRow(dec, rec, row, log, "q")
		if !ok {
			continue
		}
		pipe.each(row, out, nullValue, rec, func() bool {
			r, err := enc.encode(out, row[len(qp.Source.Columns)].(int64), rec.Headers, nullValue)
			if err != nil {
				log.Record("q", err, rec.Topic, rec.Partition, rec.Offset)
			} else {
				fmt.Fprintf(&b, "%s|%s|%d\n", textOrNull(r.Key), textOrNull(r.Value), r.Timestamp.UnixMilli())
			}
			return true
		})
	}
	for _, e := range log.entries {
		fmt.Fprintf(&b, "processing log: %s\n", e)
	}
	return b.String()
}

func bytesOrNil(s string) []byte {
	if s == "null" {
		return nil
	}
	return []byte(s)
}

func textOrNull(b []byte) string {
	if b == nil {
		return "null"
	}
	return string(b)
}

// planScript runs the DDL of a test script: each CREATE STREAM/TABLE is put in
// cat with the given partition count, and each CREATE ... AS SELECT is planned,
// its sink put in cat, and its plan given to onQuery. The first error stops it.
func planScript(t *testing.T, cat *catalog.Catalog, pl *planner.Planner, script string, partitions int, onQuery func(*plan.QueryPlan) error) error {
	stmts, err := parser.New().ParseScript(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		switch st := st.(type) {
		case *parser.CreateSource:
			src, err := planner.PlanCreateSource(st, nil)
			if err != nil {
				return err
			}
			src.Partitions = partitions
			cat.PutSource(src)
		case *parser.CreateAsSelect:
			qp, err := pl.PlanCreateAsSelect(st, nil)
			if err != nil {
				return err
			}
			cat.PutSource(qp.Sink.Source)
			if err := onQuery(qp); err != nil {
				return err
			}
		default:
			t.Fatalf("unexpected %T", st)
		}
	}
	return nil
}

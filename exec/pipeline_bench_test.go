package exec

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
)

// benchSourceDDL is cmd/sluice-bench's Nexmark source: one JSON topic, the
// entities as STRUCTs.
const benchSourceDDL = `CREATE STREAM nexmark (
  event_type INT,
  person STRUCT<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR,
    state VARCHAR, dateTime TIMESTAMP, extra VARCHAR>,
  auction STRUCT<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
    dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR>,
  bid STRUCT<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
    dateTime TIMESTAMP, extra VARCHAR>
) WITH (KAFKA_TOPIC='nexmark', VALUE_FORMAT='JSON', PARTITIONS=4);`

var benchQueries = map[string]string{
	"q0": `CREATE STREAM q0 AS SELECT bid->auction AS auction, bid->bidder AS bidder, bid->price AS price,
  bid->dateTime AS dateTime, bid->extra AS extra FROM nexmark WHERE event_type = 2 EMIT CHANGES;`,
	"q1": `CREATE STREAM q1 AS SELECT bid->auction AS auction, bid->bidder AS bidder, 0.908 * bid->price AS price,
  bid->dateTime AS dateTime, bid->extra AS extra FROM nexmark WHERE event_type = 2 EMIT CHANGES;`,
	"q2": `CREATE STREAM q2 AS SELECT bid->auction AS auction, bid->price AS price
  FROM nexmark WHERE event_type = 2 AND bid->auction % 123 = 0 EMIT CHANGES;`,
}

// benchRecords is one Nexmark epoch in miniature: a person, an auction, bids.
var benchRecords = []string{
	`{"event_type":0,"person":{"id":1000,"name":"Peter Smith","emailAddress":"abcd@efg.com","creditCard":"1234 5678 9012 3456","city":"Boise","state":"ID","dateTime":1436918400000,"extra":"xyz abc"},"auction":null,"bid":null}`,
	`{"event_type":1,"person":null,"auction":{"id":1000,"itemName":"item","description":"a description","initialBid":1200,"reserve":5000,"dateTime":1436918400000,"expires":1436918400020,"seller":1000,"category":11,"extra":"pad pad pad"},"bid":null}`,
	`{"event_type":2,"person":null,"auction":null,"bid":{"auction":1000,"bidder":2001,"price":45188,"channel":"channel-6244","url":"https://www.nexmark.com/pqrla/item.htm?query=1&channel_id=6244","dateTime":1436918400000,"extra":"kxjqz ahfjwp lwqpoi ekavmsd qlwo"}}`,
	`{"event_type":2,"person":null,"auction":null,"bid":{"auction":1107,"bidder":2905,"price":120,"channel":"Google","url":"https://www.nexmark.com/googl/item.htm?query=1","dateTime":1436918400001,"extra":"lwqpoi ekavmsd qlwo kxjqz ahfjwp"}}`,
	`{"event_type":2,"person":null,"auction":null,"bid":{"auction":1230,"bidder":2001,"price":9900000,"channel":"channel-17","url":"https://www.nexmark.com/abcde/item.htm?query=1&channel_id=17","dateTime":1436918400001,"extra":"ahfjwp lwqpoi"}}`,
}

// BenchmarkRecord measures the per-record work of a persistent query without
// Kafka: decode, filter, project, encode, as PersistentQuery.run does it.
func BenchmarkRecord(b *testing.B) {
	for _, name := range []string{"q0", "q1", "q2", "q0-projected", "q2-projected"} {
		b.Run(name, func(b *testing.B) {
			query, projected := strings.CutSuffix(name, "-projected")
			qp := planBench(b, benchQueries[query])
			var reads []expr.Expr
			if projected {
				reads = planReads(qp) // decode only what the query references
			}
			dec, err := newSourceDecoder(qp.Source, qp.Timestamp, reads...)
			if err != nil {
				b.Fatal(err)
			}
			enc, err := newSinkEncoder(qp.Sink)
			if err != nil {
				b.Fatal(err)
			}
			log := &memLog{}
			pipe := &pipeline{qp: qp, queryID: "q", log: log}
			row := make([]any, dec.width)
			out := make([]any, len(qp.Items))
			recs := make([]*kgo.Record, len(benchRecords))
			for i, v := range benchRecords {
				recs[i] = &kgo.Record{Topic: "nexmark", Value: []byte(v), Timestamp: time.UnixMilli(1436918400000), Offset: int64(i)}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				rec := recs[i%len(recs)]
				i++
				nullValue, ok := decodeRow(dec, rec, row, log, "q")
				if !ok || !pipe.applyTo(row, out, nullValue, rec) {
					continue
				}
				if _, err := enc.encode(out, row[len(qp.Source.Columns)].(int64), rec.Headers, nullValue); err != nil {
					b.Fatal(err)
				}
			}
			if len(log.entries) > 0 {
				b.Fatalf("processing log: %v", log.entries)
			}
		})
	}
}

func planBench(b testing.TB, query string) *plan.QueryPlan {
	cat := catalog.New()
	pl := &planner.Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}
	stmts, err := parser.New().ParseScript(benchSourceDDL + "\n" + query)
	if err != nil {
		b.Fatal(err)
	}
	var qp *plan.QueryPlan
	for _, st := range stmts {
		switch st := st.(type) {
		case *parser.CreateSource:
			src, err := planner.PlanCreateSource(st, nil)
			if err != nil {
				b.Fatal(err)
			}
			cat.PutSource(src)
		case *parser.CreateAsSelect:
			if qp, err = pl.PlanCreateAsSelect(st, nil); err != nil {
				b.Fatal(err)
			}
		default:
			b.Fatalf("unexpected statement %T", st)
		}
	}
	return qp
}

// TestNexmarkProjection pins what the Nexmark queries decode: the filter's column
// and the referenced BID fields, nothing of PERSON or AUCTION.
func TestNexmarkProjection(t *testing.T) {
	qp := planBench(t, benchQueries["q2"])
	var valueIdx []int
	for i := range qp.Source.Columns {
		valueIdx = append(valueIdx, i)
	}
	p := valueProjection(qp.Source, valueIdx, planReads(qp))
	if p == nil {
		t.Fatal("no projection")
	}
	if want := []bool{true, false, false, true}; !slices.Equal(p.Columns, want) {
		t.Errorf("columns %v, want %v", p.Columns, want)
	}
	// BID: auction, bidder, price, channel, url, dateTime, extra.
	if bid := p.Fields[3]; bid == nil || !slices.Equal(bid.Columns, []bool{true, false, true, false, false, false, false}) {
		t.Errorf("BID fields %+v", bid)
	}
}

// TestAggregateProjection pins that an aggregation decodes what its group key,
// filter and aggregate arguments read (its items read the result row instead).
func TestAggregateProjection(t *testing.T) {
	qp := planBench(t, `CREATE TABLE bids AS SELECT bid->auction AS auction, COUNT(*) AS n,
  MAX(bid->price) AS top FROM nexmark WHERE event_type = 2 GROUP BY bid->auction EMIT CHANGES;`)
	if qp.Agg == nil {
		t.Fatal("not an aggregation")
	}
	p := valueProjection(qp.Source, []int{0, 1, 2, 3}, planReads(qp))
	if p == nil {
		t.Fatal("no projection")
	}
	if want := []bool{true, false, false, true}; !slices.Equal(p.Columns, want) {
		t.Errorf("columns %v, want %v", p.Columns, want)
	}
	if bid := p.Fields[3]; bid == nil || !slices.Equal(bid.Columns, []bool{true, false, true, false, false, false, false}) {
		t.Errorf("BID fields %+v", bid)
	}
}

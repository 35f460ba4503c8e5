package exec

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/storage"
)

const benchAggDDL = `CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT)
  WITH (KAFKA_TOPIC='bids', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE auctions (id VARCHAR PRIMARY KEY, category BIGINT, reserve BIGINT)
  WITH (KAFKA_TOPIC='auctions', VALUE_FORMAT='JSON', PARTITIONS=1);`

// benchAggQueries are the table-result runtimes, one per kind: Nexmark q4's
// per-auction MAX (a plain GROUP BY), q5's HOPPING count and q7's TUMBLING MAX
// (EMIT FINAL), the same windows emitting changes, session windows, and the
// aggregation of a table.
var benchAggQueries = map[string]string{
	"stream":         `SELECT auction, COUNT(*) AS n, MAX(price) AS top FROM bids GROUP BY auction EMIT CHANGES;`,
	"tumbling":       `SELECT auction, COUNT(*) AS n FROM bids WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY auction EMIT CHANGES;`,
	"hopping-final":  `SELECT auction, COUNT(*) AS n FROM bids WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS, GRACE PERIOD 4 SECONDS) GROUP BY auction EMIT FINAL;`,
	"tumbling-final": `SELECT 1 AS k, MAX(price) AS top FROM bids WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 4 SECONDS) GROUP BY 1 EMIT FINAL;`,
	"session":        `SELECT auction, COUNT(*) AS n FROM bids WINDOW SESSION (500 MILLISECONDS) GROUP BY auction EMIT CHANGES;`,
	"session-final":  `SELECT auction, COUNT(*) AS n FROM bids WINDOW SESSION (500 MILLISECONDS, GRACE PERIOD 1 SECOND) GROUP BY auction EMIT FINAL;`,
	"table":          `SELECT category, COUNT(*) AS n, SUM(reserve) AS total FROM auctions GROUP BY category EMIT CHANGES;`,
	"table-project":  `SELECT id, category, reserve * 2 AS r2 FROM auctions WHERE reserve > 10 EMIT CHANGES;`,
}

// BenchmarkTableQuery measures the per-record work of a table-result runtime
// over a Pebble store: fold, HAVING and projection, result encoding, and a
// flush of the changed state every 1,000 records, as a poll batch ends.
// Decoding is done before the loop.
func BenchmarkTableQuery(b *testing.B) {
	for _, name := range []string{"stream", "tumbling", "hopping-final", "tumbling-final", "session", "session-final", "table", "table-project"} {
		b.Run(name, func(b *testing.B) {
			qp := planBenchAgg(b, "CREATE TABLE r AS "+benchAggQueries[name])
			st, err := storage.Open(filepath.Join(b.TempDir(), "state"), storage.Options{CacheBytes: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			log := &memLog{}
			tq, err := newTableQuery("q", qp, st, log, "")
			if err != nil {
				b.Fatal(err)
			}
			dec, err := newSourceDecoder(qp.Source, qp.Timestamp)
			if err != nil {
				b.Fatal(err)
			}
			// 1,000 keys; a table update every record, a bid every 10 ms.
			const keys = 1000
			rows := make([][]any, keys)
			recKeys := make([][]byte, keys)
			for i := range rows {
				rec := &kgo.Record{Topic: qp.Source.Topic, Timestamp: time.UnixMilli(0)}
				if qp.Source.Kind == catalog.Table {
					rec.Key = fmt.Appendf(nil, "%d", i)
					rec.Value = fmt.Appendf(nil, `{"CATEGORY":%d,"RESERVE":%d}`, i%17, 5+i%100)
				} else {
					rec.Value = fmt.Appendf(nil, `{"AUCTION":%d,"BIDDER":%d,"PRICE":%d}`, i*7919%keys, i, 100+i*31%5000)
				}
				rows[i] = make([]any, dec.width)
				if _, ok := decodeRow(dec, rec, rows[i], log, "q"); !ok {
					b.Fatalf("decode: %v", log.entries)
				}
				recKeys[i] = rec.Key
			}
			tsCol := len(qp.Source.Columns)
			row := make([]any, dec.width)
			rec := &kgo.Record{Topic: qp.Source.Topic}
			emitted := 0
			emit := func(*kgo.Record) { emitted++ }
			batch := st.NewBatch()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				copy(row, rows[i%keys])
				ts := int64(i) * 10
				row[tsCol] = ts
				rec.Key, rec.Offset, rec.Timestamp = recKeys[i%keys], int64(i), time.UnixMilli(ts)
				ps, err := tq.partition(0)
				if err != nil {
					b.Fatal(err)
				}
				if err := tq.process(ps, rec, row, false, emit); err != nil {
					b.Fatal(err)
				}
				i++
				if i%1000 == 0 {
					if err := tq.flush(batch); err != nil {
						b.Fatal(err)
					}
					if err := batch.Commit(false); err != nil {
						b.Fatal(err)
					}
					batch = st.NewBatch()
				}
			}
			batch.Close()
			if len(log.entries) > 0 {
				b.Fatalf("processing log: %v", log.entries[0])
			}
			if emitted == 0 {
				b.Fatal("no output")
			}
		})
	}
}

func planBenchAgg(b testing.TB, query string) *plan.QueryPlan {
	cat := catalog.New()
	pl := &planner.Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}
	stmts, err := parser.New().ParseScript(benchAggDDL + "\n" + query)
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

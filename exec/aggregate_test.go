package exec

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/cockroachdb/datadriven"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// tableHarness drives a tableQuery record by record, the way runTable does, over
// a real Pebble store. Its commands (see TestOperators):
//
//	plan [repartition]
//	           CREATE STREAM/TABLE statements, then the CREATE TABLE ... AS SELECT
//	           that becomes the operator under test (a new query id, fresh state).
//	           With repartition, input records go through the first stage into an
//	           in-memory repartition topic of one partition, which the aggregation
//	           reads to its end after each input record; a restart resumes the
//	           reading at the aggregation's checkpoint
//	records    one input record per line: partition@offset|timestamp|key|value
//	           (value "null" for a tombstone); prints the output records as
//	           key [window]|value|timestamp (value "null" for a tombstone), input
//	           records the state already reflects, and processing-log entries
//	state      flushes the changes into the store in one batch, as a poll batch
//	           ends, then prints the query's stored state
//	restart    a new operator over the same store, as after a crash: whatever was
//	           not flushed is lost, and each partition resumes at its checkpoint
type tableHarness struct {
	st    *storage.Store
	cat   *catalog.Catalog
	pl    *planner.Planner
	qp    *plan.QueryPlan
	n     int // plans so far: the query id is q<n>
	tq    *tableQuery
	dec   *sourceDecoder
	log   *memLog
	store func() *storage.Store
	// repartitioned plans: the repartition topic's records (its offsets are
	// indexes), and the aggregation's read position in it
	repartition bool
	repTopic    []*kgo.Record
	repPos      int64
}

func newTableHarness(t *testing.T) *tableHarness {
	cat := catalog.New()
	h := &tableHarness{cat: cat, pl: &planner.Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}}
	h.store = func() *storage.Store {
		if h.st == nil {
			st, err := storage.Open(filepath.Join(t.TempDir(), "state"), storage.Options{CacheBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			h.st = st
		}
		return h.st
	}
	return h
}

func (h *tableHarness) queryID() string { return "q" + strconv.Itoa(h.n) }

func (h *tableHarness) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "plan":
		err := planScript(t, h.cat, h.pl, d.Input, 2, func(qp *plan.QueryPlan) error {
			h.qp = qp
			h.n++
			h.repartition, h.repTopic = d.HasArg("repartition"), nil
			return h.restart()
		})
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return "ok\n"
	case "records":
		return h.records(t, d.Input)
	case "state":
		return h.state(t)
	case "restart":
		if err := h.restart(); err != nil {
			t.Fatal(err)
		}
		return "ok\n"
	}
	t.Fatalf("unknown command %s", d.Cmd)
	return ""
}

func (h *tableHarness) restart() error {
	rep := ""
	if h.repartition {
		rep = "rep"
	}
	tq, err := newTableQuery(h.queryID(), h.qp, h.store(), nil, rep)
	if err != nil {
		return err
	}
	if h.repartition {
		// The aggregation resumes reading the repartition topic at its checkpoint.
		ps, err := tq.partition(0)
		if err != nil {
			return err
		}
		h.repPos = max(ps.offset, 0)
	}
	dec, err := newSourceDecoder(h.qp.Source, h.qp.Timestamp)
	if err != nil {
		return err
	}
	h.log = &memLog{}
	tq.log = h.log
	h.tq, h.dec = tq, dec
	return nil
}

func (h *tableHarness) records(t *testing.T, input string) string {
	if h.tq == nil {
		t.Fatal("records before plan")
	}
	var b strings.Builder
	emit := func(r *kgo.Record) {
		fmt.Fprintf(&b, "%s|%s|%d\n", h.renderKey(r.Key), textOrNull(r.Value), r.Timestamp.UnixMilli())
	}
	row := make([]any, h.dec.width)
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		parts := strings.SplitN(line, "|", 4)
		if len(parts) != 4 {
			t.Fatalf("bad record line %q: want partition@offset|timestamp|key|value", line)
		}
		p, off, ok := strings.Cut(parts[0], "@")
		if !ok {
			t.Fatalf("bad record position %q: want partition@offset", parts[0])
		}
		partition, err1 := strconv.ParseInt(p, 10, 32)
		offset, err2 := strconv.ParseInt(off, 10, 64)
		ts, err3 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("bad record line %q", line)
		}
		rec := &kgo.Record{Topic: h.qp.Source.Topic, Partition: int32(partition), Offset: offset,
			Timestamp: time.UnixMilli(ts), Key: bytesOrNil(parts[2]), Value: bytesOrNil(parts[3])}
		if h.repartition {
			h.repartitionRecord(t, &b, rec, row, parts[0], emit)
			continue
		}
		ps, err := h.tq.partition(rec.Partition)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Offset < ps.offset {
			fmt.Fprintf(&b, "skipped %s: the state reflects it\n", parts[0])
			continue
		}
		nullValue, ok := decodeRow(h.dec, rec, row, h.log, h.queryID())
		if !ok {
			ps.offset = rec.Offset + 1
			continue
		}
		if err := h.tq.process(ps, rec, row, nullValue, emit); err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
	}
	for _, e := range h.log.entries {
		fmt.Fprintf(&b, "processing log: %s\n", e)
	}
	h.log.entries = nil
	return b.String()
}

// repartitionRecord runs a source record through the first stage, then lets the
// aggregation read the repartition topic to its end.
func (h *tableHarness) repartitionRecord(t *testing.T, b *strings.Builder, rec *kgo.Record, row []any, pos string, emit func(*kgo.Record)) {
	s, err := h.tq.sourcePartition(rec.Partition)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Offset < s.offset {
		fmt.Fprintf(b, "skipped %s: the first stage's state reflects it\n", pos)
		return
	}
	nullValue, ok := decodeRow(h.dec, rec, row, h.log, h.queryID())
	if !ok {
		s.offset = rec.Offset + 1
		return
	}
	err = h.tq.repartitionRecord(rec, row, nullValue, func(r *kgo.Record) {
		r.Partition, r.Offset = 0, int64(len(h.repTopic))
		h.repTopic = append(h.repTopic, r)
	})
	if err != nil {
		fmt.Fprintf(b, "error: %v\n", err)
	}
	for ; h.repPos < int64(len(h.repTopic)); h.repPos++ {
		r := h.repTopic[h.repPos]
		ps, err := h.tq.partition(0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Offset < ps.offset {
			continue
		}
		if err := h.tq.applyRepartitioned(ps, r, emit); err != nil {
			fmt.Fprintf(b, "error: %v\n", err)
		}
	}
}

// renderKey prints a result record key, with its window for windowed results.
func (h *tableHarness) renderKey(key []byte) string {
	w := h.qp.Agg
	if w == nil || w.Window == nil {
		return textOrNull(key)
	}
	if w.Window.Kind == "SESSION" {
		inner, start, end, err := formats.DecodeSessionWindowKey(key)
		if err != nil {
			return "bad key: " + err.Error()
		}
		return fmt.Sprintf("%s [%d,%d]", inner, start, end)
	}
	inner, start, err := formats.DecodeTimeWindowKey(key)
	if err != nil {
		return "bad key: " + err.Error()
	}
	return fmt.Sprintf("%s [%d,%d)", inner, start, start+w.Window.Size.Milliseconds())
}

// state flushes the operator into the store and prints the query's stores:
//
//	agg p<n> <group key> [window] ts=<ts> states=<states> [pending]   (time windows, plain groups)
//	agg p<n> <group key> sessions=[start,end ts=<ts> states=<states> [pending]]... (session windows)
//	src p<n> <input key> <input row>
//	out p<n> <result key> [window] ts=<ts> <row>
//	ckpt p<n> offset=<next offset> streamtime=<ts>
//	ckpt-src p<n> offset=<next offset>                  (first stage, per source partition)
//	dedup p<n> src<m> pos=<2 × source offset, +1 for an addition>
func (h *tableHarness) state(t *testing.T) string {
	b := h.st.NewBatch()
	if err := h.tq.flush(b); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, store := range []string{plan.StoreAgg, plan.StoreSrc, plan.StoreOut, plan.StoreCkpt, plan.StoreCkptSource, plan.StoreDedup} {
		prefix := StatePrefix(h.queryID(), store, -1)
		err := h.st.Scan(prefix, func(k, v []byte) bool {
			rest := k[len(prefix):]
			p := int32(uint32(rest[0])<<24 | uint32(rest[1])<<16 | uint32(rest[2])<<8 | uint32(rest[3]))
			key := rest[4:]
			fmt.Fprintf(&out, "%s p%d %s\n", store, p, h.renderStored(t, store, key, v))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

func (h *tableHarness) renderStored(t *testing.T, store string, key, v []byte) string {
	switch store {
	case plan.StoreCkptSource:
		c, err := decodeCheckpoint(v)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("offset=%d", c.Offset)
	case plan.StoreDedup:
		return fmt.Sprintf("src%d pos=%d", binary.BigEndian.Uint32(key), int64(binary.BigEndian.Uint64(v)))
	case plan.StoreCkpt:
		c, err := decodeCheckpoint(v)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("offset=%d streamtime=%d", c.Offset, c.StreamTime)
	case plan.StoreSrc:
		r, err := types.ReadBinaryRow(v)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s %v", key, r)
	case plan.StoreOut:
		r, err := types.ReadBinaryRow(v)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s ts=%v %v", h.renderKey(key), r[0], r[1:])
	}
	r, err := types.ReadBinaryRow(v)
	if err != nil {
		t.Fatal(err)
	}
	if w := h.qp.Agg.Window; w != nil && w.Kind == "SESSION" {
		kv, err := types.ReadBinaryRow(key)
		if err != nil {
			t.Fatal(err)
		}
		var s strings.Builder
		fmt.Fprintf(&s, "%v sessions=", kv)
		for _, x := range r {
			sess := x.([]any)
			fmt.Fprintf(&s, "[%d,%d ts=%d states=%v", sess[0], sess[1], sess[2], sess[3])
			if len(sess) > 4 && sess[4] == true {
				s.WriteString(" pending")
			}
			s.WriteString("]")
		}
		return s.String()
	}
	g, err := decodeGroup(string(key), v)
	if err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%v", g.keyVals)
	if h.qp.Agg.Window != nil {
		fmt.Fprintf(&s, " [%d,%d)", g.wstart, g.wend)
	}
	fmt.Fprintf(&s, " ts=%d states=%v", g.ts, g.states)
	if r[5] == true {
		s.WriteString(" pending")
	}
	return s.String()
}

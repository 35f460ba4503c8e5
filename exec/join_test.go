package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/cockroachdb/datadriven"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// runJoinFile runs one datadriven join file of testdata/join (TestOperators
// walks them). Commands:
//
//	plan       CREATE STREAM/TABLE statements, then the CREATE ... AS SELECT
//	           over a join that becomes the operator under test
//	records    one input record per line: TOPIC partition@offset|timestamp|key|value
//	           (value "null" for a tombstone); prints the output records as
//	           key|value|timestamp and records the state already reflects. The
//	           records of one command share a store batch, as the records of one
//	           poll do
//	state      commits the batch and prints the join's stores
//	restart    drops the uncommitted batch and starts a new operator over the
//	           same store, as after a crash
func runJoinFile(t *testing.T, path string) {
	h := &joinHarness{cat: catalog.New()}
	h.pl = &planner.Planner{Catalog: h.cat, Funcs: expr.NewRegistry(expr.Config{})}
	st, err := storage.Open(filepath.Join(t.TempDir(), "state"), storage.Options{CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h.st = st
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string { return h.run(t, d) })
}

type joinHarness struct {
	st    *storage.Store
	cat   *catalog.Catalog
	pl    *planner.Planner
	qp    *plan.QueryPlan
	n     int
	q     *PersistentQuery
	batch *storage.Batch
	log   *memLog
}

func (h *joinHarness) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "plan":
		err := planScript(t, h.cat, h.pl, d.Input, 1, func(qp *plan.QueryPlan) error {
			h.qp = qp
			h.n++
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
		if h.batch != nil {
			h.batch.Close()
			h.batch = nil
		}
		if err := h.restart(); err != nil {
			t.Fatal(err)
		}
		return "ok\n"
	}
	t.Fatalf("unknown command %s", d.Cmd)
	return ""
}

func (h *joinHarness) queryID() string { return "q" + strconv.Itoa(h.n) }

func (h *joinHarness) restart() error {
	h.log = &memLog{}
	q := &PersistentQuery{ID: h.queryID(), qp: h.qp, log: h.log, store: h.st}
	for _, s := range h.qp.Join.Leaves() {
		dec, err := newSourceDecoder(s.Source, s.Timestamp)
		if err != nil {
			return err
		}
		q.joinDec = append(q.joinDec, dec)
		q.joinTopics = append(q.joinTopics, s.Source.Topic)
	}
	q.join = newJoinOp(q.ID, h.qp, h.st)
	if isTableQuery(h.qp) {
		tq, err := newTableQuery(q.ID, h.qp, h.st, h.log, "")
		if err != nil {
			return err
		}
		q.table = tq
	}
	h.q = q
	return nil
}

func (h *joinHarness) records(t *testing.T, input string) string {
	if h.q == nil {
		t.Fatal("records before plan")
	}
	if h.batch == nil {
		h.batch = h.st.NewIndexedBatch()
	}
	var enc *sinkEncoder
	if h.q.table == nil {
		var err error
		if enc, err = newSinkEncoder(h.qp.Sink); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	emit := func(r *kgo.Record) {
		fmt.Fprintf(&b, "%s|%s|%d\n", textOrNull(r.Key), textOrNull(r.Value), r.Timestamp.UnixMilli())
	}
	pipe := &pipeline{qp: h.qp, queryID: h.q.ID, log: h.log}
	out := make([]any, len(h.qp.Items))
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		topic, rest, _ := strings.Cut(line, " ")
		parts := strings.SplitN(rest, "|", 4)
		if len(parts) != 4 {
			t.Fatalf("bad record line %q: want TOPIC partition@offset|timestamp|key|value", line)
		}
		p, off, _ := strings.Cut(parts[0], "@")
		partition, err1 := strconv.ParseInt(p, 10, 32)
		offset, err2 := strconv.ParseInt(off, 10, 64)
		ts, err3 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("bad record line %q", line)
		}
		src := -1
		for i, tp := range h.q.joinTopics {
			if tp == topic {
				src = i
			}
		}
		if src < 0 {
			t.Fatalf("topic %s is not a join input", topic)
		}
		rec := &kgo.Record{Topic: topic, Partition: int32(partition), Offset: offset,
			Timestamp: time.UnixMilli(ts), Key: bytesOrNil(parts[2]), Value: bytesOrNil(parts[3])}
		jp, err := h.q.join.partition(rec.Partition)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Offset < jp.offset[src] {
			fmt.Fprintf(&b, "skipped %s %s: the state reflects it\n", topic, parts[0])
			continue
		}
		row := make([]any, h.q.joinDec[src].width)
		nullValue, ok := decodeRow(h.q.joinDec[src], rec, row, h.log, h.q.ID)
		if !ok {
			jp.offset[src] = rec.Offset + 1
			continue
		}
		err = h.q.join.process(h.batch, h.batch, jp, src, rec, row, nullValue, func(joined []any, tombstone bool, ts int64) error {
			return h.q.joinResult(jp, rec, joined, tombstone, ts, h.q.table, pipe, enc, out, emit)
		})
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
	}
	for _, e := range h.log.entries {
		fmt.Fprintf(&b, "processing log: %s\n", e)
	}
	h.log.entries = nil
	return b.String()
}

// state commits the batch and prints the join's stores, one entry per line:
//
//	jw<step>.<side> p<n> key=<key> ts=<ts> offset=<offset> <row values>
//	jt<step>.<side> p<n> key=<key> <row values>
//	jo<step> p<n> ts=<ts> side=<side> key=<key> offset=<offset>
//	jfk<step> p<n> fk=<foreign key> key=<left key>
//	ckpt-j<source> p<n> offset=<next offset>
//	jtime<step> p<n> seq=<output sequence> streamtime=<ts>
//
// Window expiry entries (jx) are counted, not listed; rows print their declared
// columns only.
func (h *joinHarness) state(t *testing.T) string {
	b := h.batch
	if b == nil {
		b = h.st.NewIndexedBatch()
	}
	h.batch = nil
	if err := h.q.join.expire(b, b); err != nil {
		t.Fatal(err)
	}
	if h.q.table != nil {
		if err := h.q.table.flush(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.q.join.flush(b); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	prefix := StatePrefix(h.queryID(), "", -1)
	expiry := map[string]int{}
	err := h.st.Scan(prefix, func(k, v []byte) bool {
		rest := k[len(prefix):]
		i := bytes.IndexByte(rest, 0)
		store, rest := string(rest[:i]), rest[i+1:]
		p := int32(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		switch {
		case strings.HasPrefix(store, plan.StoreJoinFKIndex):
			fk, n := renderJoinKey(rest)
			lk, _ := renderJoinKey(rest[n:])
			fmt.Fprintf(&out, "%s p%d fk=%s key=%s\n", store, p, fk, lk)
		case strings.HasPrefix(store, plan.StoreJoinWindow):
			key, n := renderJoinKey(rest)
			rest = rest[n:]
			fmt.Fprintf(&out, "%s p%d key=%s ts=%d offset=%d %s\n", store, p, key, timeFromSortable(rest), int64(binary.BigEndian.Uint64(rest[8:])), h.renderRow(v, store))
		case strings.HasPrefix(store, plan.StoreJoinExpiry):
			expiry[fmt.Sprintf("%s p%d", store, p)]++
		case strings.HasPrefix(store, plan.StoreJoinTime):
			if !strings.Contains(store, ".") {
				c, _ := decodeCheckpoint(v)
				fmt.Fprintf(&out, "%s p%d seq=%d streamtime=%d\n", store, p, c.Offset, c.StreamTime)
			}
		case strings.HasPrefix(store, plan.StoreJoinTable):
			key, _ := renderJoinKey(rest)
			fmt.Fprintf(&out, "%s p%d key=%s %s\n", store, p, key, h.renderRow(v, store))
		case strings.HasPrefix(store, plan.StoreJoinOuter):
			key, n := renderJoinKey(rest[9:])
			fmt.Fprintf(&out, "%s p%d ts=%d side=%d key=%s offset=%d\n", store, p, timeFromSortable(rest), rest[8], key, int64(binary.BigEndian.Uint64(rest[9+n:])))
		case strings.HasPrefix(store, plan.StoreJoinCkpt):
			c, _ := decodeCheckpoint(v)
			fmt.Fprintf(&out, "%s p%d offset=%d\n", store, p, c.Offset)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(expiry))
	for k := range expiry {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&out, "%s: %d expiry entries\n", k, expiry[k])
	}
	return out.String()
}

// renderJoinKey decodes a length-prefixed join key, returning it and its length.
func renderJoinKey(b []byte) (string, int) {
	n := int(binary.BigEndian.Uint32(b))
	vals, err := types.ReadBinaryRow(b[4 : 4+n])
	if err != nil {
		return "bad key: " + err.Error(), 4 + n
	}
	return fmt.Sprint(vals[0]), 4 + n
}

// renderRow prints a stored side row's declared columns.
func (h *joinHarness) renderRow(v []byte, store string) string {
	r, err := types.ReadBinaryRow(v)
	if err != nil {
		return "bad row: " + err.Error()
	}
	// store is <name><step>.<side>
	dot := strings.LastIndexByte(store, '.')
	step, _ := strconv.Atoi(strings.TrimLeft(store[:dot], "abcdefghijklmnopqrstuvwxyz"))
	side, _ := strconv.Atoi(store[dot+1:])
	j := h.q.join.steps[step].j
	s := []*plan.JoinSide{j.Left, j.Right}[side]
	return fmt.Sprint(r[:len(s.Source.Columns)])
}

func TestJoinStoreKeyLayout(t *testing.T) {
	s := &joinStep{queryID: "CSAS_J_3", idx: 2}
	for _, tc := range []struct {
		store string
		side  int
		name  string
	}{{plan.StoreJoinWindow, 1, "jw2.1"}, {plan.StoreJoinOuter, -1, "jo2"}, {plan.StoreJoinTable, 0, "jt2.0"}} {
		got := s.storeKey(tc.store, tc.side, 7, []byte("ab"), []byte{0, 1})
		want := append(StatePrefix("CSAS_J_3", tc.name, 7), 'a', 'b', 0, 1)
		if !bytes.Equal(got, want) {
			t.Errorf("storeKey(%s, %d) = %q, want %q", tc.store, tc.side, got, want)
		}
	}
}

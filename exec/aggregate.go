package exec

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/types"
)

// What every kind of aggregation shares: the group key and the arguments of a
// row, the initial states, and the post-aggregation row (group key, window
// bounds, final values) that HAVING and the projection read.

// aggKind is the state and logic of one kind of aggregation (agg_*.go) in one
// input partition. Its methods are called from the query's goroutine only.
type aggKind interface {
	// apply folds a decoded input row of the partition (a deletion when
	// nullValue) and emits the changed results. The partition's checkpoint
	// and stream time already count the record.
	apply(rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error
	// fold adds the arguments evaluated in the query's args to the group of
	// keyVals (in every window ts falls in) and emits the changes: the second
	// stage of a repartitioned aggregation, whose rows arrive grouped.
	fold(keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error
	// flush stages the changes since the last flush in b, then bounds what
	// stays cached.
	flush(b stateWriter) error
}

// groupRow prepares a stream row for a fold: it reports the row's group key,
// with the arguments evaluated into t.args, or false when the row has nothing
// to fold (no value, rejected by WHERE, NULL in its group key).
func (t *tableQuery) groupRow(rec *kgo.Record, row []any, nullValue bool) ([]any, bool) {
	if nullValue {
		return nil, false // a stream aggregation has nothing to fold from a record without a value
	}
	if !t.where(row, rec) {
		return nil, false
	}
	keyVals, ok := t.groupKey(row, rec)
	if !ok {
		return nil, false
	}
	t.evalArgs(row, rec)
	return keyVals, true
}

// groupKey evaluates the GROUP BY expressions. A row whose key has a NULL is
// skipped and logged, as ksqlDB does.
func (t *tableQuery) groupKey(row []any, rec *kgo.Record) ([]any, bool) {
	vals := make([]any, len(t.agg.GroupBy))
	for i, g := range t.agg.GroupBy {
		v, err := g.Eval(row)
		if err != nil {
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
			return nil, false
		}
		if v == nil {
			t.log.Record(t.queryID, fmt.Errorf("Group-by column with null value in record: %s", g), rec.Topic, rec.Partition, rec.Offset)
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// evalArgs evaluates the calls' arguments over row into t.args.
func (t *tableQuery) evalArgs(row []any, rec *kgo.Record) {
	for i, c := range t.agg.Calls {
		for j, a := range c.Args {
			v, err := a.Eval(row)
			if err != nil {
				t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
				v = nil
			}
			t.args[i][j] = v
		}
	}
}

func (t *tableQuery) initStates() []any {
	s := make([]any, len(t.agg.Calls))
	for i, c := range t.agg.Calls {
		s[i] = c.Func.Init()
	}
	return s
}

// addArgs folds args into states.
func (t *tableQuery) addArgs(states []any, args [][]any) {
	for i, c := range t.agg.Calls {
		states[i] = c.Func.Add(states[i], args[i])
	}
}

// undoArgs retracts args from states.
func (t *tableQuery) undoArgs(states []any, args [][]any) {
	for i, c := range t.agg.Calls {
		states[i] = c.Func.Undo(states[i], args[i])
	}
}

func encodeKeyVals(vals []any) (string, error) {
	b, err := types.AppendBinaryRow(nil, vals)
	return string(b), err
}

func windowSuffix(key string, start int64) string {
	var b [8]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(uint64(start) >> (56 - 8*i))
	}
	return key + string(b[:])
}

func sameVals(a, b []any) bool {
	ka, err1 := encodeKeyVals(a)
	kb, err2 := encodeKeyVals(b)
	return err1 == nil && err2 == nil && ka == kb
}

// emitGroup evaluates HAVING and the projection over a group and emits the result,
// or a tombstone when HAVING rejects it.
func (t *tableQuery) emitGroup(ps *partState, g *group, rec *kgo.Record, emit func(*kgo.Record)) error {
	return t.emitAggregate(ps, g.keyVals, g.wstart, g.wend, g.states, g.ts, false, rec, emit)
}

// emitAggregate evaluates HAVING and the projection over the post-aggregation
// row of a group (and window) and emits the result, or a tombstone when HAVING
// rejects it.
func (t *tableQuery) emitAggregate(ps *partState, keyVals []any, wstart, wend int64, states []any, ts int64, session bool, rec *kgo.Record, emit func(*kgo.Record)) error {
	post := t.post
	copy(post, keyVals)
	base := t.agg.CallBase()
	if t.agg.Window != nil {
		post[len(keyVals)], post[len(keyVals)+1] = wstart, wend
	}
	for i, c := range t.agg.Calls {
		v, err := c.Func.Final(states[i])
		if err != nil {
			// The group's result cannot be written (a sum beyond its type's
			// range): the update is logged and not emitted, and its state stays
			// exact for the records that follow.
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
			return nil
		}
		post[base+i] = v
	}
	keep := true
	if t.agg.Having != nil {
		v, err := t.agg.Having.Eval(post)
		if err != nil {
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
		}
		b, ok := v.(bool)
		keep = err == nil && ok && b
	}
	out := t.eval(post, rec)
	var win *window
	if t.agg.Window != nil {
		win = &window{start: wstart, end: wend, session: session}
	}
	return t.emitRow(ps, out, !keep, ts, win, rec, emit)
}

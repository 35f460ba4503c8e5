package exec

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
)

// tableAgg is a GROUP BY over a table, read directly, in one partition: an
// update of a key retracts the key's old row from its group before the new row
// joins its group, so it keeps the table's last row per key beside the groups.
// (Read through a repartition topic, the first stage keeps the rows and sends
// the retractions as records, and the second stage is a streamAgg.)
type tableAgg struct {
	streamAgg
	src *tableSource
}

func (t *tableQuery) openTableAgg(ps *partState) (aggKind, error) {
	return &tableAgg{streamAgg: t.newStreamAgg(ps), src: newTableSource(t.st, StatePrefix(t.queryID, plan.StoreSrc, ps.p))}, nil
}

// apply applies a table update: the old row of the key leaves its group, the
// new row joins its group. Each changed group emits one record.
func (a *tableAgg) apply(rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	t := a.t
	key := string(rec.Key)
	old, err := a.src.load(key)
	if err != nil {
		return err
	}
	var oldKey, newKey []any
	oldOK, newOK := false, false
	if old != nil && t.where(old, rec) {
		oldKey, oldOK = t.groupKey(old, rec)
	}
	if !nullValue && t.where(row, rec) {
		newKey, newOK = t.groupKey(row, rec)
	}
	var oldArgs [][]any
	if oldOK {
		t.evalArgs(old, rec)
		oldArgs = make([][]any, len(t.args))
		for i := range t.args {
			oldArgs[i] = append([]any(nil), t.args[i]...)
		}
	}
	if nullValue {
		a.src.set(key, nil)
	} else {
		a.src.set(key, row)
	}
	if oldOK {
		sameGroup := newOK && sameVals(oldKey, newKey)
		if err := a.retract(oldKey, oldArgs, ts, !sameGroup, rec, emit); err != nil {
			return err
		}
	}
	if newOK {
		t.evalArgs(row, rec)
		return a.fold(newKey, ts, rec, emit)
	}
	return nil
}

func (a *tableAgg) flush(b stateWriter) error {
	if err := a.streamAgg.flush(b); err != nil {
		return err
	}
	return a.src.flush(b)
}

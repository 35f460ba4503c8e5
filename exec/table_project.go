package exec

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
)

// project applies a table's filter and projection: a row the filter rejects, or
// a deleted row, becomes a tombstone of its key. A table projection keeps no
// state of its own (the result key is the input key, so a deletion needs no old
// row): only the materialized result and the checkpoint every kind has.
func (t *tableQuery) project(ps *partState, rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	if rec.Key == nil && t.qp.Source.Kind == catalog.Table {
		return nil // a table row without a key has no identity: dropped, as ksqlDB does
	}
	deleted := nullValue || !t.where(row, rec)
	out := t.eval(row, rec)
	return t.emitRow(ps, out, deleted, ts, nil, rec, emit)
}

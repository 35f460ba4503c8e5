package plan

import (
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// SynthPrefix names the columns that hold table function results
// (KSQL_SYNTH_0, ...), as ksqlDB names them.
const SynthPrefix = "KSQL_SYNTH_"

// FlatMap is the table functions of a query's SELECT list (EXPLODE,
// CUBE_EXPLODE). It runs after Where (and PARTITION BY), before the
// projection: each input row becomes as many rows as the longest list a call
// returns, the calls' values zipped, a shorter list padded with NULLs; a row
// for which every call returns nothing yields no row, and so does a record
// without a value. Each output row is the input row (Input layout) followed by
// one column per call; the plan's Items read that extended row.
type FlatMap struct {
	Calls   []*expr.TableCall // over the Input row
	Columns []types.Column    // one per call, after Input: KSQL_SYNTH_n
}

// Width is the width of the rows the flat map produces.
func (f *FlatMap) Width(input int) int { return input + len(f.Calls) }

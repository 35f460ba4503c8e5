package engine

import (
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/aggregate"
	"github.com/sluice-db/sluice/planner"
)

// functionDoc is one function as SHOW FUNCTIONS and DESCRIBE FUNCTION list it.
type functionDoc struct {
	Name        string
	Category    string // e.g. STRING, MATHEMATICAL; AGGREGATE for aggregate functions
	Description string
	Signatures  []string // e.g. "UCASE(input VARCHAR) -> VARCHAR", "AVG(INT) -> DOUBLE"
}

// aggregateCategory is the category SHOW FUNCTIONS gives aggregate functions.
const aggregateCategory = "AGGREGATE"

// functionDocs lists the scalar and the aggregate functions, sorted by name (a
// name that is both comes out as two entries, scalar first).
func (e *Engine) functionDocs() []functionDoc {
	scalars := e.funcs.Functions()
	aggs := e.aggs.Functions()
	out := make([]functionDoc, 0, len(scalars)+len(aggs))
	for _, f := range scalars {
		d := functionDoc{Name: f.Name, Category: f.Category, Description: f.Description}
		for _, s := range f.Signatures {
			sig := f.Name + "(" + strings.Join(s.Params, ", ") + ")"
			if s.Returns != "" {
				sig += " -> " + s.Returns
			}
			d.Signatures = append(d.Signatures, sig)
		}
		out = append(out, d)
	}
	for _, f := range aggs {
		out = append(out, functionDoc{Name: f.Name, Category: aggregateCategory, Description: f.Description, Signatures: f.Signatures})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Properties that configure aggregate functions.
const (
	propCollectListLimit = "ksql.functions.collect_list.limit"
	propCollectSetLimit  = "ksql.functions.collect_set.limit"
)

// aggregateConfig reads the aggregate settings from a statement's properties;
// an absent, unparsable or non-positive limit means none.
func aggregateConfig(props map[string]string) aggregate.Config {
	limit := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(props[name]))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	return aggregate.Config{CollectListLimit: limit(propCollectListLimit), CollectSetLimit: limit(propCollectSetLimit)}
}

// plannerFor returns a planner whose aggregate functions follow a statement's
// properties (COLLECT_LIST and COLLECT_SET limits). A persistent query must be
// planned with it, on first run and on replay, so that its results do not depend
// on the session that happens to restart it.
func (e *Engine) plannerFor(props map[string]string) *planner.Planner {
	pl := e.planner()
	if cfg := aggregateConfig(props); cfg != (aggregate.Config{}) {
		pl.Aggs = aggregate.NewRegistry(cfg)
	}
	return pl
}

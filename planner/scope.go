package planner

import (
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// scope resolves column names for one FROM source.
type scope struct {
	source  *catalog.Source
	alias   string
	columns []types.Column
	lambdas []lambdaVar // innermost last
	width   int         // row width including bound lambda parameters
	// join resolves names over a joined row; nil for one source.
	join *joinScope
}

type lambdaVar struct {
	name  string
	index int
	typ   *types.Type
}

func newScope(src *catalog.Source, alias string) *scope {
	cols := plan.InputLayout(src)
	return &scope{source: src, alias: alias, columns: cols, width: len(cols)}
}

// lookup finds a column by (qualifier, name); qualifier may be "" or the source
// name or alias.
func (s *scope) lookup(qualifier, name string) (int, *types.Type, bool) {
	if qualifier == "" {
		for i := len(s.lambdas) - 1; i >= 0; i-- {
			if s.lambdas[i].name == name {
				return s.lambdas[i].index, s.lambdas[i].typ, true
			}
		}
	} else if qualifier != s.source.Name && qualifier != s.alias {
		return 0, nil, false
	}
	for i, c := range s.columns {
		if c.Name == name {
			return i, c.Type, true
		}
	}
	return 0, nil, false
}

// isLambda reports whether a column reference names a bound lambda parameter.
func (s *scope) isLambda(c *parser.ColumnRef) bool {
	if c.Qualifier != "" {
		return false
	}
	for _, l := range s.lambdas {
		if l.name == c.Name {
			return true
		}
	}
	return false
}

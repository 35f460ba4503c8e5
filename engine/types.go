package engine

import (
	"context"
	"sort"

	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Custom types (CREATE TYPE, DROP TYPE) live in the catalog and go through the
// command topic like other DDL, so a replay registers them before the statements
// that use them are parsed again.

func (e *Engine) prepareCreateType(st *parser.CreateType) (ddlAction, error) {
	if old, ok := e.catalog.Type(st.Name); ok {
		if st.IfNotExists {
			return noop("CREATE TYPE"), nil
		}
		return nil, sqlerr.Newf(sqlerr.DuplicateTable, "Cannot register custom type '%s' since it is already registered with type: %s", st.Name, old).WithPosition(st.NamePos)
	}
	return func(context.Context, int64, bool) (string, error) {
		e.catalog.PutType(st.Name, st.Type)
		return "CREATE TYPE", nil
	}, nil
}

func (e *Engine) prepareDropType(st *parser.DropType) (ddlAction, error) {
	if _, ok := e.catalog.Type(st.Name); !ok {
		if st.IfExists {
			return noop("DROP TYPE"), nil
		}
		return nil, sqlerr.Newf(sqlerr.UndefinedObject, "Type %s does not exist.", st.Name).WithPosition(st.NamePos)
	}
	return func(context.Context, int64, bool) (string, error) {
		e.catalog.DropType(st.Name)
		return "DROP TYPE", nil
	}, nil
}

// showTypes lists the custom types (SHOW TYPES).
func (e *Engine) showTypes(w ResultWriter) error {
	all := e.catalog.Types()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([][]any, len(names))
	for i, n := range names {
		rows[i] = []any{n, all[n].String()}
	}
	return table(w, []string{"Type Name", "Schema"}, []*types.Type{nil, nil}, rows, "SHOW")
}

package planner

import (
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Session properties that restrict pull queries, as in ksqlDB.
const (
	PropPullTableScans  = "ksql.query.pull.table.scan.enabled"
	PropPullLimitClause = "ksql.query.pull.limit.clause.enabled"
)

// PullOptions are the session settings a pull query is checked against.
type PullOptions struct {
	// TableScans allows a WHERE clause over a table that is not a lookup of
	// every key column; off, each disjunct must pin the key.
	TableScans bool
	// LimitClause allows LIMIT.
	LimitClause bool
}

// PullOptionsFrom reads the pull-query settings from session properties: both
// default to on, as in ksqlDB, and only the literal "false" turns one off.
func PullOptionsFrom(props map[string]string) PullOptions {
	off := func(k string) bool { return strings.EqualFold(strings.TrimSpace(props[k]), "false") }
	return PullOptions{TableScans: !off(PropPullTableScans), LimitClause: !off(PropPullLimitClause)}
}

// maxDisjuncts bounds the WHERE clause's disjunctive normal form, which grows
// exponentially with ANDs of ORs.
const maxDisjuncts = 1024

// CheckPull applies ksqlDB's restrictions on a pull query (a SELECT without
// EMIT) over src, which planning has already resolved and type-checked. Sluice
// answers every pull query by scanning, so these rules do not protect the
// engine; they keep a session that turned scans off, or a client relying on
// ksqlDB's errors, seeing the errors ksqlDB gives.
func CheckPull(sel *parser.Select, src *catalog.Source, opts PullOptions) error {
	if err := checkPullPseudoColumns(sel, src); err != nil {
		return err
	}
	if sel.Limit >= 0 && !opts.LimitClause {
		return sqlerr.New(sqlerr.FeatureNotSupported, "LIMIT clause in pull queries is currently disabled. You can enable them by setting "+PropPullLimitClause+"=true. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.").WithPosition(sel.Pos)
	}
	if src.Kind != catalog.Table {
		return nil
	}
	return checkPullWhere(sel, src, opts)
}

// checkPullPseudoColumns rejects ROWPARTITION and ROWOFFSET: a materialized
// row no longer knows the offset it came from.
func checkPullPseudoColumns(sel *parser.Select, src *catalog.Source) error {
	find := func(exprs []parser.Expr) (names []string, pos int) {
		seen := map[string]bool{}
		pos = -1
		for _, e := range exprs {
			parser.Walk(e, func(n parser.Expr) bool {
				c, ok := n.(*parser.ColumnRef)
				if !ok || (c.Name != plan.RowPartition && c.Name != plan.RowOffset) || seen[c.Name] {
					return true
				}
				if _, i := src.Column(c.Name); i >= 0 {
					return true // a declared column of that name, not the pseudo-column
				}
				seen[c.Name] = true
				names = append(names, types.QuoteIdent(c.Name))
				if pos < 0 {
					pos = c.Pos
				}
				return true
			})
		}
		return names, pos
	}
	var items []parser.Expr
	for _, it := range sel.Items {
		if it.Expr != nil {
			items = append(items, it.Expr)
		}
	}
	if names, pos := find(items); len(names) > 0 {
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Pull queries don't support the following columns in SELECT clauses: %s", strings.Join(names, ", ")).WithPosition(pos)
	}
	if sel.Where != nil {
		if names, pos := find([]parser.Expr{sel.Where}); len(names) > 0 {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "Pull queries don't support the following columns in WHERE clauses: %s", strings.Join(names, ", ")).WithPosition(pos)
		}
	}
	return nil
}

// pullWhere checks one pull query's WHERE clause the way ksqlDB decides between
// a key lookup and a table scan: the clause in disjunctive normal form, each
// disjunct a key lookup when it compares every key column with a value that
// does not depend on the row, at most once per column.
type pullWhere struct {
	src  *catalog.Source
	opts PullOptions
	keys []string // key column names in key order
}

func checkPullWhere(sel *parser.Select, src *catalog.Source, opts PullOptions) error {
	w := &pullWhere{src: src, opts: opts}
	for _, c := range src.Columns {
		if c.Role == types.KeyColumn {
			w.keys = append(w.keys, c.Name)
		}
	}
	if sel.Where == nil {
		return w.scan(sel.Pos, "WHERE clause missing key column: without table scans a pull query must look up its rows by key. Add a WHERE clause on %s, or set "+PropPullTableScans+"=true.", w.keyList())
	}
	disjuncts, ok := dnf(sel.Where)
	if !ok {
		return w.scan(sel.Where.Position(), "WHERE clause has too many disjuncts to check for key lookups; simplify it or set "+PropPullTableScans+"=true.")
	}
	for _, d := range disjuncts {
		if err := w.disjunct(d); err != nil {
			return err
		}
	}
	return nil
}

// scan reports that the query needs a table scan: an error when the session
// disabled them, else nil (the scan answers it).
func (w *pullWhere) scan(pos int, format string, args ...any) error {
	if w.opts.TableScans {
		return nil
	}
	return sqlerr.Newf(sqlerr.FeatureNotSupported, format, args...).WithPosition(pos)
}

func (w *pullWhere) keyList() string {
	parts := make([]string, len(w.keys))
	for i, k := range w.keys {
		c, _ := w.src.Column(k)
		parts[i] = types.QuoteIdent(k) + " " + c.Type.String() + " KEY"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (w *pullWhere) isKey(e parser.Expr) (string, bool) {
	c, ok := e.(*parser.ColumnRef)
	if !ok {
		return "", false
	}
	col, i := w.src.Column(c.Name)
	return c.Name, i >= 0 && col.Role == types.KeyColumn
}

func (w *pullWhere) disjunct(atoms []parser.Expr) error {
	seen := map[string]bool{}
	for _, a := range atoms {
		if err := w.atom(a, seen); err != nil {
			return err
		}
	}
	pos := atoms[0].Position()
	if len(seen) == 0 {
		return w.scan(pos, "WHERE clause missing key column for disjunct: %s", formatConjunction(atoms))
	}
	if len(seen) < len(w.keys) {
		var got []string
		for _, k := range w.keys {
			if seen[k] {
				got = append(got, types.QuoteIdent(k))
			}
		}
		return w.scan(pos, "Multi-column sources must specify every key in the WHERE clause. Specified: [%s] Expected: %s", strings.Join(got, ", "), w.keyList())
	}
	return nil
}

// atom checks one conjunct; seen collects the key columns it pins.
func (w *pullWhere) atom(a parser.Expr, seen map[string]bool) error {
	pin := func(key string, pos int) error {
		if seen[key] {
			return w.scan(pos, "A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate")
		}
		seen[key] = true
		return nil
	}
	switch x := a.(type) {
	case *parser.Binary:
		if !isComparison(x.Op) {
			break
		}
		col, other := x.L, x.R
		if _, ok := col.(*parser.ColumnRef); !ok {
			col, other = x.R, x.L
		}
		ref, ok := col.(*parser.ColumnRef)
		if !ok {
			if w.refsKey(a) {
				return w.scan(x.Pos, "A comparison must directly reference a key column.")
			}
			return nil
		}
		if ref.Name == plan.WindowStart || ref.Name == plan.WindowEnd {
			if x.Op == "<>" {
				return w.scan(x.Pos, "Unsupported %s bounds: NOT_EQUAL", ref.Name)
			}
			return nil
		}
		key, isKey := w.isKey(ref)
		if !isKey {
			if w.refsKey(other) {
				return w.scan(x.Pos, "A comparison must be between a key column and a resolvable expression.")
			}
			return nil
		}
		if refsColumn(other) {
			return w.scan(x.Pos, "A comparison must be between a key column and a resolvable expression.")
		}
		if x.Op == "<>" {
			return w.scan(x.Pos, "Bound on key columns '%s' must currently be '='. ", w.keyList())
		}
		return pin(key, x.Pos)
	case *parser.In:
		key, isKey := w.isKey(x.E)
		if !isKey {
			if w.refsKey(a) {
				return w.scan(x.Pos, "A comparison must directly reference a key column.")
			}
			return nil
		}
		for _, v := range x.List {
			// A key is never NULL, so IN (NULL) can only be a mistake; ksqlDB
			// rejects it even when a scan could answer it.
			if isNullConstant(v) {
				return sqlerr.Newf(sqlerr.NullValueNotAllowed, "Primary key columns can not be NULL: (%s = null)", parser.FormatIdent(key)).WithPosition(v.Position())
			}
		}
		for _, v := range x.List {
			if refsColumn(v) {
				return w.scan(v.Position(), "A comparison must be between a key column and a resolvable expression.")
			}
		}
		// A key lookup takes each literal as a key value, converted the strict
		// way (numbers widen; a string does not become a number), as ksqlDB does.
		col, _ := w.src.Column(key)
		for _, v := range x.List {
			if lit, ok := v.(*parser.Literal); ok && lit.Value != nil && lit.Type != nil && !keyLiteralFits(lit.Type, col.Type) {
				return sqlerr.Newf(sqlerr.DatatypeMismatch, "%s can not be converted to the type of the key column: %s %s KEY", parser.FormatExpr(lit), key, col.Type).WithPosition(v.Position())
			}
		}
		if x.Not {
			return w.scan(x.Pos, "Bound on key columns '%s' must currently be '='. ", w.keyList())
		}
		return pin(key, x.Pos)
	case *parser.Between:
		key, isKey := w.isKey(x.E)
		if !isKey {
			break
		}
		if refsColumn(x.Lo) || refsColumn(x.Hi) {
			return w.scan(x.Pos, "A comparison must be between a key column and a resolvable expression.")
		}
		if x.Not {
			return w.scan(x.Pos, "Bound on key columns '%s' must currently be '='. ", w.keyList())
		}
		return pin(key, x.Pos)
	case *parser.Like:
		// ksqlDB answers LIKE only by scanning, even on a key column.
		return w.scan(x.Pos, "LIKE needs a table scan, which %s=false disables (ksqlDB: Like condition must be between strings).", PropPullTableScans)
	}
	if w.refsKey(a) {
		return w.scan(a.Position(), "A comparison must directly reference a key column.")
	}
	return nil
}

// refsKey reports whether e mentions a key column.
func (w *pullWhere) refsKey(e parser.Expr) bool {
	found := false
	parser.Walk(e, func(n parser.Expr) bool {
		if _, ok := w.isKey(n); ok {
			found = true
		}
		return !found
	})
	return found
}

func isComparison(op string) bool {
	switch op {
	case "=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// refsColumn reports whether e depends on the row.
func refsColumn(e parser.Expr) bool {
	found := false
	parser.Walk(e, func(n parser.Expr) bool {
		if _, ok := n.(*parser.ColumnRef); ok {
			found = true
		}
		return !found
	})
	return found
}

func isNullConstant(e parser.Expr) bool {
	switch x := e.(type) {
	case *parser.Literal:
		return x.Value == nil
	case *parser.Cast:
		return isNullConstant(x.E)
	}
	return false
}

// dnf returns e as a disjunction of conjunctions of atoms (anything but AND and
// OR), or false when that has more than maxDisjuncts disjuncts.
func dnf(e parser.Expr) ([][]parser.Expr, bool) {
	b, ok := e.(*parser.Binary)
	if !ok || (b.Op != "AND" && b.Op != "OR") {
		return [][]parser.Expr{{e}}, true
	}
	l, ok := dnf(b.L)
	if !ok {
		return nil, false
	}
	r, ok := dnf(b.R)
	if !ok {
		return nil, false
	}
	if b.Op == "OR" {
		if len(l)+len(r) > maxDisjuncts {
			return nil, false
		}
		return append(l, r...), true
	}
	if len(l)*len(r) > maxDisjuncts {
		return nil, false
	}
	out := make([][]parser.Expr, 0, len(l)*len(r))
	for _, x := range l {
		for _, y := range r {
			out = append(out, append(append([]parser.Expr{}, x...), y...))
		}
	}
	return out, true
}

func formatConjunction(atoms []parser.Expr) string {
	if len(atoms) == 1 {
		return parser.FormatExpr(atoms[0])
	}
	parts := make([]string, len(atoms))
	for i, a := range atoms {
		parts[i] = parser.FormatExpr(a)
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// keyLiteralFits reports whether a literal of type lit converts to a key of
// type key without parsing: the same type, or a number that widens.
func keyLiteralFits(lit, key *types.Type) bool {
	if lit.Equal(key) || lit.Kind == key.Kind {
		return true
	}
	return lit.IsNumeric() && key.IsNumeric()
}

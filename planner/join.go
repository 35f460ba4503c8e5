package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// JoinKind says which inputs a join combines; it decides the operator.
type JoinKind uint8

const (
	StreamStream JoinKind = iota
	StreamTable
	TableTable
)

func (k JoinKind) String() string {
	switch k {
	case StreamStream:
		return "stream-stream"
	case StreamTable:
		return "stream-table"
	}
	return "table-table"
}

// Join is a two-way join feeding a query. The operator produces joined rows in
// the layout of the plan's Input: the left side's input row (its columns and
// pseudo-columns), the right side's, ROWKEY (the join key), then the joined
// row's ROWTIME, ROWPARTITION and ROWOFFSET. Every expression of the plan above
// the join (Where, Items, Agg) is bound over that layout.
type Join struct {
	Kind JoinKind
	Type parser.JoinKind
	// Left and Right are the inputs, in FROM order.
	Left, Right *JoinSide
	// Before and After bound, for a stream-stream join, the right records a left
	// record at t joins: those at [t-Before, t+After]. Grace is how long after a
	// window ends late records are still joined; with HasGrace unset the join is
	// the legacy one, which emits unmatched outer rows at once.
	Before, After, Grace time.Duration
	HasGrace             bool
	// KeyType is the join key's type; RowKey is its index in the joined row.
	KeyType *types.Type
	RowKey  int
	// SyntheticKey is set when no source column equals the join key in every
	// joined row (FULL OUTER joins): the result is keyed by ROWKEY, or ROWKEY_n
	// when a source has a column of that name (RowKeyName).
	SyntheticKey bool
	RowKeyName   string
}

// Retention is how long a stream-stream join keeps a record for matching.
func (j *Join) Retention() time.Duration {
	g := j.Grace
	if !j.HasGrace {
		g = 24 * time.Hour // the legacy default grace
	}
	return j.Before + j.After + g
}

// JoinSide is one input of a join.
type JoinSide struct {
	Source *catalog.Source
	Alias  string
	// Input is the side's own row layout (InputLayout) and Timestamp its ROWTIME
	// expression, as for a single-source query.
	Input     []types.Column
	Timestamp expr.Expr
	// Key is the join expression over Input; KeyIsSourceKey is set when it is the
	// source's (single) key column, so records are already partitioned by it.
	Key            expr.Expr
	KeyIsSourceKey bool
	// Offset is the index of the side's first column in the joined row.
	Offset int
}

// Name is how errors and EXPLAIN name the side: its alias, else the source.
func (s *JoinSide) Name() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Source.Name
}

// RowKeyName is the synthetic key column of joins whose key is no source column.
const RowKeyName = "ROWKEY"

// syntheticKeyName picks ROWKEY, or the first ROWKEY_n no input has a column named.
func syntheticKeyName(sides []*JoinSide) string {
	used := map[string]bool{}
	for _, s := range sides {
		for _, c := range s.Source.Columns {
			used[c.Name] = true
		}
	}
	name := RowKeyName
	for i := 1; used[name]; i++ {
		name = fmt.Sprintf("%s_%d", RowKeyName, i)
	}
	return name
}

// itemName names an un-aliased qualified column of a join as ksqlDB does: the
// column's own name when no other input has a column of that name, else
// ALIAS_NAME. Pseudo-columns are always qualified (S_ROWTIME).
func (j *joinScope) itemName(ref *parser.ColumnRef) string {
	s := j.side(ref.Qualifier)
	if s == nil {
		return ref.Name
	}
	declared, clash := false, false
	for _, o := range j.sides {
		for _, c := range o.Source.Columns {
			if c.Name == ref.Name {
				if o == s {
					declared = true
				} else {
					clash = true
				}
			}
		}
	}
	if declared && !clash {
		return ref.Name
	}
	return s.Name() + "_" + ref.Name
}

// joinScope resolves column names over a joined row.
type joinScope struct {
	sides      []*JoinSide
	rowKey     int
	rowKeyName string
	synthetic bool
	keyType   *types.Type
	pseudo    int // index of the joined ROWTIME
}

// resolve finds (qualifier, name) in the joined row. The canonical name of a
// side column is ALIAS_NAME, as ksqlDB names the columns of a join. ok is false
// when nothing has that name; err reports an unknown qualifier or an ambiguity.
func (j *joinScope) resolve(qualifier, name string) (idx int, typ *types.Type, canonical string, ok bool, err error) {
	if qualifier != "" {
		s := j.side(qualifier)
		if s == nil {
			return 0, nil, "", false, sqlerr.Newf(sqlerr.UndefinedTable, "'%s' is not a valid stream/table name or alias.", qualifier)
		}
		for i, c := range s.Input {
			if c.Name == name {
				return s.Offset + i, c.Type, s.Name() + "_" + name, true, nil
			}
		}
		return 0, nil, "", false, nil
	}
	switch name {
	case RowTime, RowPartition, RowOffset:
		for i, c := range pseudoColumns {
			if c.Name == name {
				return j.pseudo + i, c.Type, name, true, nil
			}
		}
	}
	if j.synthetic && name == j.rowKeyName {
		return j.rowKey, j.keyType, name, true, nil
	}
	var found []string
	for _, s := range j.sides {
		for i, c := range s.Source.Columns {
			if c.Name == name {
				found = append(found, s.Name()+"."+name)
				idx, typ, canonical = s.Offset+i, c.Type, s.Name()+"_"+name
			}
		}
	}
	switch len(found) {
	case 0:
		// The joined names themselves (L_A) resolve too: they are the result's.
		for _, s := range j.sides {
			if rest, cut := strings.CutPrefix(name, s.Name()+"_"); cut {
				for i, c := range s.Input {
					if c.Name == rest {
						return s.Offset + i, c.Type, name, true, nil
					}
				}
			}
		}
		return 0, nil, "", false, nil
	case 1:
		return idx, typ, canonical, true, nil
	}
	return 0, nil, "", false, sqlerr.Newf(sqlerr.AmbiguousColumn, "Column '%s' is ambiguous. Could be %s.", name, strings.Join(found, " or "))
}

// side returns the input a qualifier names: its alias (which defaults to the
// source's name).
func (j *joinScope) side(qualifier string) *JoinSide {
	for _, s := range j.sides {
		if qualifier == s.Alias {
			return s
		}
	}
	return nil
}

// planJoinInput plans the FROM clause of a join: the two inputs, the join
// condition and the layout of the joined row, which becomes the query's input
// (a virtual source named after the left side, in its formats).
func (p *Planner) planJoinInput(j *parser.Join) (*scope, *Join, error) {
	lref, lok := j.Left.(*parser.TableRef)
	rref, rok := j.Right.(*parser.TableRef)
	if !lok || !rok {
		return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "joins of more than two sources are not supported yet").WithPosition(j.Pos)
	}
	var sides [2]*JoinSide
	for i, ref := range []*parser.TableRef{lref, rref} {
		src, err := p.Catalog.Source(ref.Name)
		if err != nil {
			return nil, nil, sqlerr.As(err).WithPosition(ref.Pos)
		}
		alias := ref.Alias
		if alias == "" {
			alias = src.Name
		}
		ts, err := p.timestampExpr(src)
		if err != nil {
			return nil, nil, err
		}
		sides[i] = &JoinSide{Source: src, Alias: alias, Input: InputLayout(src), Timestamp: ts}
	}
	left, right := sides[0], sides[1]
	if left.Source.Name == right.Source.Name {
		return nil, nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Can not join '%s' to '%s': self joins are not yet supported.", left.Source.Name, right.Source.Name).WithPosition(j.Pos)
	}
	jn := &Join{Type: j.Kind, Left: left, Right: right}
	if err := p.checkJoinSources(j, jn); err != nil {
		return nil, nil, err
	}

	// The joined row: each side's input row, ROWKEY, then the joined pseudo-columns.
	var cols []types.Column
	for _, s := range sides {
		s.Offset = len(cols)
		for _, c := range s.Input {
			cols = append(cols, types.Column{Name: s.Name() + "_" + c.Name, Type: c.Type, Role: types.ValueColumn})
		}
	}
	jn.RowKey = len(cols)
	jn.RowKeyName = syntheticKeyName(sides[:])
	cols = append(cols, types.Column{Name: jn.RowKeyName, Role: types.ValueColumn})
	js := &joinScope{sides: sides[:], rowKey: jn.RowKey, rowKeyName: jn.RowKeyName, synthetic: j.Kind == parser.FullJoin, pseudo: len(cols)}

	if err := p.bindJoinCondition(j, jn, js); err != nil {
		return nil, nil, err
	}
	cols[jn.RowKey].Type = jn.KeyType
	js.keyType, jn.SyntheticKey = jn.KeyType, js.synthetic

	kind := catalog.Stream
	if jn.Kind == TableTable {
		kind = catalog.Table
	}
	virtual := &catalog.Source{
		Name: left.Source.Name, Kind: kind, Columns: cols, Topic: left.Source.Topic,
		KeyFormat: left.Source.KeyFormat, ValueFormat: left.Source.ValueFormat,
		KeyDelimiter: left.Source.KeyDelimiter, ValueDelimiter: left.Source.ValueDelimiter,
		WrapSingle: left.Source.WrapSingle, Partitions: left.Source.Partitions, Replicas: left.Source.Replicas,
		Window: left.Source.Window,
	}
	sc := newScope(virtual, "")
	sc.join = js
	return sc, jn, nil
}

// checkJoinSources applies ksqlDB's rules on what may be joined.
func (p *Planner) checkJoinSources(j *parser.Join, jn *Join) error {
	l, r := jn.Left.Source, jn.Right.Source
	var kafka []string
	for _, s := range []*catalog.Source{l, r} {
		if strings.EqualFold(s.ValueFormat, "KAFKA") {
			kafka = append(kafka, s.Name)
		}
	}
	if len(kafka) > 0 {
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafka, ", ")).WithPosition(j.Pos)
	}
	switch {
	case l.Kind == catalog.Stream && r.Kind == catalog.Stream:
		jn.Kind = StreamStream
	case l.Kind == catalog.Stream:
		jn.Kind = StreamTable
	case r.Kind == catalog.Stream:
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s %s JOIN %s.", l.Name, joinTypeText(j.Kind), r.Name).WithPosition(j.Pos)
	default:
		jn.Kind = TableTable
	}
	if jn.Kind == StreamTable && (j.Kind == parser.FullJoin || j.Kind == parser.RightJoin) {
		what := "full-outer"
		if j.Kind == parser.RightJoin {
			what = "right"
		}
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join type: %s join not supported for stream-table join. Got %s %s JOIN %s.", what, l.Name, joinTypeText(j.Kind), r.Name).WithPosition(j.Pos)
	}
	if (l.Window == nil) != (r.Window == nil) {
		windowed, other := l, r
		if l.Window == nil {
			windowed, other = r, l
		}
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Can not join windowed source to non-windowed source.\n`%s` is %s windowed\n`%s` is not windowed", windowed.Name, windowed.Window.Kind, other.Name).WithPosition(j.Pos)
	}
	if l.Window != nil && (l.Window.Kind == "SESSION") == (r.Window.Kind == "SESSION") && *l.Window != *r.Window {
		return sqlerr.New(sqlerr.FeatureNotSupported, "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.").WithPosition(j.Pos)
	}
	if l.Window != nil && (l.Window.Kind == "SESSION") != (r.Window.Kind == "SESSION") {
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources", l.Window.Kind, r.Window.Kind).WithPosition(j.Pos)
	}
	if jn.Kind == StreamStream {
		if j.Within == nil {
			return sqlerr.New(sqlerr.SyntaxError, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select").WithPosition(j.Pos)
		}
		jn.Before, jn.After, jn.Grace, jn.HasGrace = j.Within.Before, j.Within.After, j.Within.Grace, j.Within.HasGrace
	} else if j.Within != nil {
		return sqlerr.Newf(sqlerr.SyntaxError, "A window definition was provided for a %s join. Windows can only be used with stream-stream joins.", jn.Kind).WithPosition(j.Pos)
	}
	return nil
}

func joinTypeText(k parser.JoinKind) string {
	switch k {
	case parser.LeftJoin:
		return "LEFT [OUTER]"
	case parser.RightJoin:
		return "RIGHT [OUTER]"
	case parser.FullJoin:
		return "[FULL] OUTER"
	}
	return "[INNER]"
}

// bindJoinCondition checks ON a = b, where each side references exactly one
// input, and binds each operand over its own input's row.
func (p *Planner) bindJoinCondition(j *parser.Join, jn *Join, js *joinScope) error {
	cond := j.On
	text := "(" + parser.FormatExpr(cond) + ")"
	bin, ok := cond.(*parser.Binary)
	if !ok || bin.Op != "=" {
		if ok && bin.Op == "AND" {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", text).WithPosition(cond.Position())
		}
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Unsupported join expression: %s. Only equality joins (ON a = b) are supported.", text).WithPosition(cond.Position())
	}
	sideOf := func(e parser.Expr) (int, error) {
		sides := map[int]bool{}
		var err error
		parser.Walk(e, func(n parser.Expr) bool {
			c, ok := n.(*parser.ColumnRef)
			if !ok || err != nil {
				return err == nil
			}
			idx, _, _, found, rerr := js.resolve(c.Qualifier, c.Name)
			if rerr == nil && !found {
				name := c.Name
				if c.Qualifier != "" {
					name = c.Qualifier + "." + c.Name
				}
				rerr = sqlerr.Newf(sqlerr.UndefinedColumn, "JOIN ON column '%s' cannot be resolved.", name)
			}
			if rerr != nil {
				err = sqlerr.As(rerr).WithPosition(c.Pos)
				return false
			}
			for i, s := range js.sides {
				if idx >= s.Offset && idx < s.Offset+len(s.Input) {
					sides[i] = true
				}
			}
			return true
		})
		if err != nil {
			return 0, err
		}
		if len(sides) != 1 {
			return -1, nil
		}
		for i := range sides {
			return i, nil
		}
		return -1, nil
	}
	ls, err := sideOf(bin.L)
	if err != nil {
		return err
	}
	rs, err := sideOf(bin.R)
	if err != nil {
		return err
	}
	for _, bad := range []struct {
		side int
		e    parser.Expr
	}{{ls, bin.L}, {rs, bin.R}} {
		if bad.side < 0 {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.", parser.FormatExpr(bad.e), text).WithPosition(bad.e.Position())
		}
	}
	if ls == rs {
		name := js.sides[ls].Name()
		return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Each side of the join must reference exactly one source and not the same source. Left side references `%s` and right references `%s`", name, name).WithPosition(cond.Position())
	}
	operands := [2]parser.Expr{bin.L, bin.R}
	if ls == 1 {
		operands[0], operands[1] = bin.R, bin.L
	}
	for i, s := range js.sides {
		b := &binder{scope: sideScope(s), funcs: p.Funcs}
		e, err := b.bind(operands[i])
		if err != nil {
			return err
		}
		s.Key = e
		if c, ok := e.(*expr.Column); ok {
			keys := s.Source.KeyColumns()
			s.KeyIsSourceKey = len(keys) == 1 && c.Name == keys[0].Name && s.Input[c.Index].Role == types.KeyColumn
		}
	}
	for _, s := range js.sides {
		if s.Source.Window != nil && !s.KeyIsSourceKey {
			return sqlerr.New(sqlerr.FeatureNotSupported, "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.").WithPosition(cond.Position())
		}
	}
	lt, rt := jn.Left.Key.Type(), jn.Right.Key.Type()
	if !lt.Equal(rt) {
		return sqlerr.Newf(sqlerr.DatatypeMismatch, "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.",
			qualifiedText(jn.Left, operands[0]), lt, qualifiedText(jn.Right, operands[1]), rt).WithPosition(cond.Position())
	}
	jn.KeyType = lt
	got := qualifiedText(js.sides[ls], bin.L) + " = " + qualifiedText(js.sides[rs], bin.R)
	switch jn.Kind {
	case StreamTable:
		if !jn.Right.KeyIsSourceKey {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s.", got).WithPosition(cond.Position())
		}
	case TableTable:
		if !jn.Right.KeyIsSourceKey {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", got).WithPosition(cond.Position())
		}
		if !jn.Left.KeyIsSourceKey {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "foreign-key table-table joins are not supported yet. Got %s.", got).WithPosition(cond.Position())
		}
	}
	// A key that is not a plain column of both sides has no source column that
	// always holds it: the result is keyed by ROWKEY.
	_, lcol := jn.Left.Key.(*expr.Column)
	_, rcol := jn.Right.Key.(*expr.Column)
	if !lcol && !rcol {
		js.synthetic = true
	}
	return nil
}

// sideScope resolves names over one side's own row, qualified by its alias or name.
func sideScope(s *JoinSide) *scope {
	return &scope{source: s.Source, alias: s.Alias, columns: s.Input, width: len(s.Input)}
}

// qualifiedText renders a join operand with its columns qualified by the side,
// as ksqlDB prints join conditions in errors.
func qualifiedText(s *JoinSide, e parser.Expr) string {
	var bare []*parser.ColumnRef
	parser.Walk(e, func(n parser.Expr) bool {
		if c, ok := n.(*parser.ColumnRef); ok && c.Qualifier == "" {
			bare = append(bare, c)
		}
		return true
	})
	for _, c := range bare {
		c.Qualifier = s.Name()
	}
	out := parser.FormatExpr(e)
	for _, c := range bare {
		c.Qualifier = ""
	}
	return out
}

// joinKeyExprs returns the result's key for the projection: the join key, held
// by either side's join column (so either, projected, becomes the key), or
// ROWKEY when no source column holds it.
func joinKeyExprs(jn *Join) (keys []string, alternatives map[string]string) {
	rowKey := expr.NewColumn(jn.RowKey, jn.RowKeyName, jn.KeyType).String()
	if jn.SyntheticKey {
		return []string{rowKey}, nil
	}
	// The left side's join column is preferred (for RIGHT joins too: the key
	// column carries the join key whichever side is missing).
	first, second := jn.Left, jn.Right
	alternatives = map[string]string{}
	name := func(s *JoinSide) string {
		if c, ok := s.Key.(*expr.Column); ok {
			return s.Name() + "_" + c.Name
		}
		return ""
	}
	primary := name(first)
	if primary == "" {
		primary = name(second)
	}
	if n := name(second); n != "" && n != primary {
		alternatives[n] = primary
	}
	return []string{primary}, alternatives
}

// joinKeyNames names the join expressions for the "must include" error.
func joinKeyNames(jn *Join) []string {
	if jn.SyntheticKey {
		return []string{jn.RowKeyName}
	}
	var out []string
	for _, s := range []*JoinSide{jn.Left, jn.Right} {
		if c, ok := s.Key.(*expr.Column); ok {
			out = append(out, s.Name()+"."+c.Name)
		}
	}
	return out
}

// explainJoin renders the join for EXPLAIN.
func (j *Join) explain() string {
	side := func(s *JoinSide) string {
		how := "keyed by the join key"
		if !s.KeyIsSourceKey {
			how = "re-keyed by " + s.Key.String()
		}
		return fmt.Sprintf("%s %s AS %s (topic %s, %s)", s.Source.Kind, s.Source.Name, s.Name(), s.Source.Topic, how)
	}
	within := ""
	if j.Kind == StreamStream {
		within = fmt.Sprintf(" WITHIN (%s, %s)", j.Before, j.After)
		if j.HasGrace {
			within += fmt.Sprintf(" GRACE PERIOD %s", j.Grace)
		}
	}
	return fmt.Sprintf("%s %s JOIN%s ON %s = %s\n  left:  %s\n  right: %s", j.Kind, joinTypeText(j.Type), within, j.Left.Key, j.Right.Key, side(j.Left), side(j.Right))
}

// joinStar expands * (every input's columns) or X.* (one input's) over a join,
// each column named ALIAS_NAME.
func (p *Planner) joinStar(it parser.SelectItem, js *joinScope, add func(expr.Expr, string, int) error) error {
	matched := false
	if it.StarQualifier == "" && js.synthetic {
		// The synthetic key leads the columns of a full join's *.
		if err := add(expr.NewColumn(js.rowKey, js.rowKeyName, js.keyType), js.rowKeyName, it.Pos); err != nil {
			return err
		}
	}
	for _, s := range js.sides {
		if it.StarQualifier != "" && it.StarQualifier != s.Alias {
			continue
		}
		matched = true
		for i, c := range s.Source.Columns {
			name := s.Name() + "_" + c.Name
			if err := add(expr.NewColumn(s.Offset+i, name, c.Type), name, it.Pos); err != nil {
				return err
			}
		}
	}
	if !matched {
		return sqlerr.Newf(sqlerr.UndefinedTable, "'%s' is not a valid stream/table name or alias.", it.StarQualifier).WithPosition(it.Pos)
	}
	return nil
}

package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// holdsKey reports whether expression text (qualified) is one of the join's
// own join expressions, whose value is the join key.
func holdsKey(j *plan.Join, text string) bool {
	if j.ForeignKey {
		return false // keyed by the left table's key, not by the join expressions
	}
	return text == j.Left.Written || text == j.Right.Written
}

// syntheticKeyName picks ROWKEY, or the first ROWKEY_n no input has a column named.
func syntheticKeyName(sides []*plan.JoinSide) string {
	used := map[string]bool{}
	for _, s := range sides {
		for _, c := range s.Source.Columns {
			used[c.Name] = true
		}
	}
	name := plan.RowKeyName
	for i := 1; used[name]; i++ {
		name = fmt.Sprintf("%s_%d", plan.RowKeyName, i)
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
	sides      []*plan.JoinSide
	rowKey     int
	rowKeyName string
	synthetic  bool
	keyType    *types.Type
	pseudo     int // index of the joined ROWTIME
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
	case plan.RowTime, plan.RowPartition, plan.RowOffset:
		for i, c := range plan.PseudoColumns() {
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
func (j *joinScope) side(qualifier string) *plan.JoinSide {
	for _, s := range j.sides {
		if qualifier == s.Alias {
			return s
		}
	}
	return nil
}

// planJoinInput plans the FROM clause of a join: the inputs, the join
// conditions and the layout of the joined row, which becomes the query's input
// (a virtual source named after the first input, in its formats).
func (p *Planner) planJoinInput(j *parser.Join) (*scope, *plan.Join, error) {
	jn, js, virtual, err := p.planJoinTree(j, map[string]bool{})
	if err != nil {
		return nil, nil, err
	}
	sc := newScope(virtual, "")
	sc.join = js
	return sc, jn, nil
}

// planJoinTree plans one join of a left-deep chain (a JOIN b JOIN c is
// (a JOIN b) JOIN c): its left input is a source or the joined row of the
// inner join, which the outer joined row starts with, so every source's columns
// keep their place in the final row.
func (p *Planner) planJoinTree(j *parser.Join, seen map[string]bool) (*plan.Join, *joinScope, *catalog.Source, error) {
	leaf := func(ref *parser.TableRef) (*plan.JoinSide, error) {
		src, err := p.Catalog.Source(ref.Name)
		if err != nil {
			return nil, sqlerr.As(err).WithPosition(ref.Pos)
		}
		if seen[src.Name] {
			if len(seen) == 1 {
				return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Can not join '%s' to '%s': self joins are not yet supported.", src.Name, src.Name).WithPosition(j.Pos)
			}
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "N-way joins do not support multiple occurrences of the same source. Source: '%s'", src.Name).WithPosition(ref.Pos)
		}
		seen[src.Name] = true
		alias := ref.Alias
		if alias == "" {
			alias = src.Name
		}
		ts, err := p.timestampExpr(src)
		if err != nil {
			return nil, err
		}
		return &plan.JoinSide{Source: src, Alias: alias, Input: plan.InputLayout(src), Timestamp: ts}, nil
	}
	var (
		left   *plan.JoinSide
		leaves []*plan.JoinSide
		cols   []types.Column
	)
	switch l := j.Left.(type) {
	case *parser.TableRef:
		var err error
		if left, err = leaf(l); err != nil {
			return nil, nil, nil, err
		}
		leaves = append(leaves, left)
		for _, c := range left.Input {
			cols = append(cols, types.Column{Name: left.Name() + "_" + c.Name, Type: c.Type, Role: types.ValueColumn})
		}
	case *parser.Join:
		inner, innerScope, virtual, err := p.planJoinTree(l, seen)
		if err != nil {
			return nil, nil, nil, err
		}
		left = &plan.JoinSide{Source: virtual, Input: plan.InputLayout(virtual), Inner: inner}
		if p.innerScopes == nil {
			p.innerScopes = map[*plan.JoinSide]*joinScope{}
		}
		p.innerScopes[left] = innerScope
		leaves = append(leaves, innerScope.sides...)
		cols = append(cols, left.Input...)
	default:
		return nil, nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported join input").WithPosition(j.Pos)
	}
	rref, ok := j.Right.(*parser.TableRef)
	if !ok {
		return nil, nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "the right side of a JOIN must be a stream or table; join more sources by chaining JOINs: a JOIN b ON ... JOIN c ON ...").WithPosition(j.Pos)
	}
	right, err := leaf(rref)
	if err != nil {
		return nil, nil, nil, err
	}
	right.Offset = len(cols)
	leaves = append(leaves, right)
	for _, c := range right.Input {
		cols = append(cols, types.Column{Name: right.Name() + "_" + c.Name, Type: c.Type, Role: types.ValueColumn})
	}
	jn := &plan.Join{Type: joinType(j.Kind), Left: left, Right: right}
	if err := p.checkJoinSources(j, jn); err != nil {
		return nil, nil, nil, err
	}
	// The joined row: the inputs' rows, ROWKEY, then the joined pseudo-columns.
	jn.RowKey = len(cols)
	jn.RowKeyName = syntheticKeyName(leaves)
	cols = append(cols, types.Column{Name: jn.RowKeyName, Role: types.ValueColumn})
	js := &joinScope{sides: leaves, rowKey: jn.RowKey, rowKeyName: jn.RowKeyName, synthetic: j.Kind == parser.FullJoin, pseudo: len(cols)}

	if err := p.bindJoinCondition(j, jn, js); err != nil {
		return nil, nil, nil, err
	}
	if jn.ForeignKey {
		jn.KeyType = jn.LeftKey.Type()
	}
	cols[jn.RowKey].Type = jn.KeyType
	js.keyType, jn.SyntheticKey = jn.KeyType, js.synthetic

	first := leaves[0].Source
	kind := catalog.Stream
	if jn.Kind == plan.TableTable {
		kind = catalog.Table
	}
	virtual := &catalog.Source{
		Name: first.Name, Kind: kind, Columns: cols, Topic: first.Topic,
		KeyFormat: first.KeyFormat, ValueFormat: first.ValueFormat,
		KeyDelimiter: first.KeyDelimiter, ValueDelimiter: first.ValueDelimiter,
		WrapSingle: first.WrapSingle, Partitions: first.Partitions, Replicas: first.Replicas,
		Window: first.Window,
	}
	return jn, js, virtual, nil
}

// checkJoinSources applies ksqlDB's rules on what may be joined.
func (p *Planner) checkJoinSources(j *parser.Join, jn *plan.Join) error {
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
		jn.Kind = plan.StreamStream
	case l.Kind == catalog.Stream:
		jn.Kind = plan.StreamTable
	case r.Kind == catalog.Stream:
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s %s JOIN %s.", l.Name, joinTypeText(joinType(j.Kind)), r.Name).WithPosition(j.Pos)
	default:
		jn.Kind = plan.TableTable
	}
	if jn.Kind == plan.StreamTable && (j.Kind == parser.FullJoin || j.Kind == parser.RightJoin) {
		what := "full-outer"
		if j.Kind == parser.RightJoin {
			what = "right"
		}
		return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join type: %s join not supported for stream-table join. Got %s %s JOIN %s.", what, l.Name, joinTypeText(joinType(j.Kind)), r.Name).WithPosition(j.Pos)
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
	if jn.Kind == plan.StreamStream {
		if j.Within == nil {
			return sqlerr.New(sqlerr.SyntaxError, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select").WithPosition(j.Pos)
		}
		jn.Before, jn.After, jn.Grace, jn.HasGrace = j.Within.Before, j.Within.After, j.Within.Grace, j.Within.HasGrace
	} else if j.Within != nil {
		return sqlerr.Newf(sqlerr.SyntaxError, "A window definition was provided for a %s join. Windows can only be used with stream-stream joins.", jn.Kind).WithPosition(j.Pos)
	}
	return nil
}

func joinTypeText(t plan.JoinType) string {
	switch t {
	case plan.LeftJoin:
		return "LEFT [OUTER]"
	case plan.RightJoin:
		return "RIGHT [OUTER]"
	case plan.FullJoin:
		return "[FULL] OUTER"
	}
	return "[INNER]"
}

// joinType is the plan's join type for the parsed one.
func joinType(k parser.JoinKind) plan.JoinType {
	switch k {
	case parser.LeftJoin:
		return plan.LeftJoin
	case parser.RightJoin:
		return plan.RightJoin
	case parser.FullJoin:
		return plan.FullJoin
	}
	return plan.InnerJoin
}

// bindJoinCondition checks ON a = b, where each side references exactly one
// input, and binds each operand over its own input's row.
func (p *Planner) bindJoinCondition(j *parser.Join, jn *plan.Join, js *joinScope) error {
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
			// The left input holds every column before the right input's.
			if idx >= jn.Right.Offset && idx < jn.Right.Offset+len(jn.Right.Input) {
				sides[1] = true
			} else {
				sides[0] = true
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
	if ls == rs && jn.Left.Inner != nil {
		return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "A join criteria is expected to reference the source (%s) in the FROM clause, instead the right source references %s and the left source references %s",
			types.QuoteIdent(jn.Right.Source.Name), referencedSources(js, bin.R), referencedSources(js, bin.L)).WithPosition(cond.Position())
	}
	if ls == rs {
		name := []*plan.JoinSide{jn.Left, jn.Right}[ls].Name()
		return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Each side of the join must reference exactly one source and not the same source. Left side references `%s` and right references `%s`", name, name).WithPosition(cond.Position())
	}
	operands := [2]parser.Expr{bin.L, bin.R}
	if ls == 1 {
		operands[0], operands[1] = bin.R, bin.L
	}
	for i, s := range []*plan.JoinSide{jn.Left, jn.Right} {
		s.Written = qualifiedText(s, operands[i])
		if s.Inner != nil && holdsKey(s.Inner, s.Written) {
			// The same expression as one side of the earlier join: it is that
			// join's key.
			s.KeyIsSourceKey = true
		}
		b := &binder{scope: p.sideScope(s), funcs: p.Funcs}
		e, err := b.bind(operands[i])
		if err != nil {
			return err
		}
		s.Key = e
		if c, ok := e.(*expr.Column); ok {
			if s.Inner != nil {
				// An earlier join's rows are keyed by its join key, which each of
				// its join columns holds.
				for _, k := range keyClass(s.Inner) {
					s.KeyIsSourceKey = s.KeyIsSourceKey || k.canonical == c.Name
				}
			} else {
				keys := s.Source.KeyColumns()
				s.KeyIsSourceKey = len(keys) == 1 && c.Name == keys[0].Name && s.Input[c.Index].Role == types.KeyColumn
			}
		}
	}
	for _, s := range []*plan.JoinSide{jn.Left, jn.Right} {
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
	stepSides := []*plan.JoinSide{jn.Left, jn.Right}
	got := qualifiedText(stepSides[ls], bin.L) + " = " + qualifiedText(stepSides[rs], bin.R)
	switch jn.Kind {
	case plan.StreamTable:
		if !jn.Right.KeyIsSourceKey {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s.", got).WithPosition(cond.Position())
		}
	case plan.TableTable:
		if !jn.Right.KeyIsSourceKey {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", got).WithPosition(cond.Position())
		}
		if !jn.Left.KeyIsSourceKey && (jn.Left.Inner != nil || j.Left != nil && isJoin(j.Left)) {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got %s.", got).WithPosition(cond.Position())
		}
		if !jn.Left.KeyIsSourceKey {
			if jn.Type != plan.InnerJoin && jn.Type != plan.LeftJoin {
				return sqlerr.Newf(sqlerr.FeatureNotSupported, "Invalid join type: foreign-key table-table joins support only INNER and LEFT joins. Got %s %s JOIN %s.", jn.Left.Source.Name, joinTypeText(jn.Type), jn.Right.Source.Name).WithPosition(cond.Position())
			}
			keys := jn.Left.Source.KeyColumns()
			if len(keys) != 1 {
				return sqlerr.Newf(sqlerr.FeatureNotSupported, "foreign-key joins need a left table with one key column. Got %s.", got).WithPosition(cond.Position())
			}
			// A foreign-key join's rows are the left table's: keyed by its key.
			_, idx := jn.Left.Source.Column(keys[0].Name)
			jn.ForeignKey = true
			jn.LeftKey = expr.NewColumn(idx, keys[0].Name, keys[0].Type)
		}
	}
	// A key that is not a plain column of both sides has no source column that
	// always holds it: the result is keyed by ROWKEY.
	_, lcol := jn.Left.Key.(*expr.Column)
	_, rcol := jn.Right.Key.(*expr.Column)
	if !lcol && !rcol && !(jn.Left.Inner != nil && holdsKey(jn.Left.Inner, jn.Left.Written)) {
		js.synthetic = true
	}
	return nil
}

// sideScope resolves names over one side's own row, qualified by its alias or
// name (an earlier join's row: by the names of its inputs).
func (p *Planner) sideScope(s *plan.JoinSide) *scope {
	return &scope{source: s.Source, alias: s.Alias, columns: s.Input, width: len(s.Input), join: p.innerScopes[s]}
}

func isJoin(r parser.Relation) bool {
	_, ok := r.(*parser.Join)
	return ok
}

// referencedSources names the inputs an expression references, for errors.
func referencedSources(js *joinScope, e parser.Expr) string {
	var names []string
	seen := map[string]bool{}
	parser.Walk(e, func(n parser.Expr) bool {
		if c, ok := n.(*parser.ColumnRef); ok {
			idx, _, _, found, _ := js.resolve(c.Qualifier, c.Name)
			for _, s := range js.sides {
				if found && idx >= s.Offset && idx < s.Offset+len(s.Input) && !seen[s.Name()] {
					seen[s.Name()] = true
					names = append(names, types.QuoteIdent(s.Name()))
				}
			}
		}
		return true
	})
	return strings.Join(names, ", ")
}

// qualifiedText renders a join operand with its columns qualified by the side,
// as ksqlDB prints join conditions in errors.
func qualifiedText(s *plan.JoinSide, e parser.Expr) string { return formatQualified(e, s.Name()) }

// keyColumn is a column that holds a join's key in every joined row.
type keyColumn struct {
	canonical string // its name in the joined row (ALIAS_NAME)
	qualified string // as errors print it (ALIAS.NAME)
}

// keyClass lists the columns holding the join key, left first: the two join
// columns, and when the left one is an earlier join's key column, every column
// holding that join's key. Empty for a synthetic key.
func keyClass(j *plan.Join) []keyColumn {
	if j.SyntheticKey {
		return nil
	}
	var out []keyColumn
	if _, isCol := j.Left.Key.(*expr.Column); !isCol && j.Left.Inner != nil && holdsKey(j.Left.Inner, j.Left.Written) {
		out = keyClass(j.Left.Inner)
	}
	if j.ForeignKey {
		c := j.LeftKey.(*expr.Column)
		return []keyColumn{{j.Left.Name() + "_" + c.Name, j.Left.Name() + "." + c.Name}}
	}
	if c, ok := j.Left.Key.(*expr.Column); ok {
		if j.Left.Inner != nil {
			inner := keyClass(j.Left.Inner)
			for _, k := range inner {
				if k.canonical == c.Name {
					out = inner
				}
			}
			if out == nil {
				out = []keyColumn{{c.Name, strings.Replace(c.Name, "_", ".", 1)}}
			}
		} else {
			out = []keyColumn{{j.Left.Name() + "_" + c.Name, j.Left.Name() + "." + c.Name}}
		}
	}
	if c, ok := j.Right.Key.(*expr.Column); ok {
		out = append(out, keyColumn{j.Right.Name() + "_" + c.Name, j.Right.Name() + "." + c.Name})
	}
	return out
}

// joinKeyExprs returns the result's key for the projection: the join key, held
// by any of the join's key columns (so any, projected, becomes the key; the
// first is preferred), or ROWKEY when no source column holds it.
func joinKeyExprs(jn *plan.Join) (keys []string, alternatives map[string]string) {
	if jn.SyntheticKey {
		return []string{jn.RowKeyName}, nil
	}
	class := keyClass(jn)
	if len(class) == 0 {
		return []string{jn.RowKeyName}, nil
	}
	alternatives = map[string]string{}
	for _, k := range class[1:] {
		alternatives[k.canonical] = class[0].canonical
	}
	return []string{class[0].canonical}, alternatives
}

// joinKeyNames names the join expressions for the "must include" error.
func joinKeyNames(jn *plan.Join) []string {
	class := keyClass(jn)
	if len(class) == 0 {
		return []string{jn.RowKeyName}
	}
	out := make([]string, len(class))
	for i, k := range class {
		out[i] = k.qualified
	}
	return out
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
		windowed := s.Source.Window != nil
		for i, c := range s.Source.Columns {
			if windowed && c.Role != types.KeyColumn {
				// A windowed input shows its window after its key, as ksqlDB does.
				w := len(s.Source.Columns) + len(plan.PseudoColumns())
				for k, wc := range s.Input[w : w+2] {
					name := s.Name() + "_" + wc.Name
					if err := add(expr.NewColumn(s.Offset+w+k, name, wc.Type), name, it.Pos); err != nil {
						return err
					}
				}
				windowed = false
			}
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

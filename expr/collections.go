package expr

import (
	"strings"

	"github.com/sluice-db/sluice/types"
)

// Deref is struct->field. A NULL struct gives NULL.
type Deref struct {
	E     Expr
	Field string
	index int
}

// NewDeref binds e->field; e must be a STRUCT with that field.
func NewDeref(e Expr, field string) (Expr, error) {
	t := e.Type()
	if t.Kind != types.KindStruct {
		return nil, mismatch("Expected STRUCT type for %s->%s, got %s", e, field, t)
	}
	i := t.FieldIndex(field)
	if i < 0 {
		return nil, sqlerrUndefinedField(e, field)
	}
	return &Deref{E: e, Field: field, index: i}, nil
}

func (d *Deref) Type() *types.Type { return d.E.Type().Fields[d.index].Type }

func (d *Deref) Eval(row []any) (any, error) {
	v, err := d.E.Eval(row)
	if err != nil || v == nil {
		return nil, err
	}
	s := v.(types.Struct)
	if d.index >= len(s) {
		return nil, nil
	}
	return s[d.index], nil
}

func (d *Deref) String() string { return d.E.String() + "->" + d.Field }

func (d *Deref) children() []Expr { return []Expr{d.E} }

// Subscript is arr[i] (1-based, negative counts from the end, out of range is NULL)
// or map[key] (missing key is NULL).
type Subscript struct {
	E, Index Expr
}

// NewSubscript binds e[index] for an ARRAY (INT/BIGINT index) or a MAP (key type).
func NewSubscript(e, index Expr) (Expr, error) {
	t := e.Type()
	switch t.Kind {
	case types.KindArray:
		if k := index.Type().Kind; k != types.KindInt && k != types.KindBigInt && k != types.KindUnknown {
			return nil, mismatch("array index must be INTEGER or BIGINT, got %s", index.Type())
		}
		return &Subscript{E: e, Index: index}, nil
	case types.KindMap:
		k, err := ImplicitCast(index, t.Key)
		if err != nil {
			return nil, mismatch("map key must be %s, got %s", t.Key, index.Type())
		}
		return &Subscript{E: e, Index: k}, nil
	}
	return nil, mismatch("cannot subscript %s of type %s", e, t)
}

func (s *Subscript) Type() *types.Type { return s.E.Type().Elem }

func (s *Subscript) Eval(row []any) (any, error) {
	v, err := s.E.Eval(row)
	if err != nil || v == nil {
		return nil, err
	}
	i, err := s.Index.Eval(row)
	if err != nil || i == nil {
		return nil, err
	}
	switch c := v.(type) {
	case []any:
		return arrayAt(c, toInt64(i)), nil
	case *types.Map:
		if j := mapIndex(c, i); j >= 0 {
			return c.Values[j], nil
		}
	}
	return nil, nil
}

// arrayAt is ksqlDB's 1-based array access with negative indexes from the end.
func arrayAt(a []any, i int64) any {
	n := int64(len(a))
	switch {
	case i > 0 && i <= n:
		return a[i-1]
	case i < 0 && -i <= n:
		return a[n+i]
	}
	return nil
}

func (s *Subscript) String() string { return s.E.String() + "[" + s.Index.String() + "]" }

func (s *Subscript) children() []Expr { return []Expr{s.E, s.Index} }

// Constructor builds an ARRAY, MAP or STRUCT from its element expressions.
type Constructor struct {
	T      *types.Type
	Elems  []Expr   // ARRAY elements, MAP keys and values interleaved, STRUCT fields
	Names  []string // STRUCT field names
	render string
}

// NewArray binds ARRAY[elems...]; elements are coerced to their common type
// (userListType).
func NewArray(elems []Expr) (Expr, error) {
	if len(elems) == 0 {
		return nil, mismatch("Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	t, err := userListType(elems)
	if err != nil {
		return nil, err
	}
	if t.Kind == types.KindUnknown {
		return nil, mismatch("Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	out, err := coerceUserList(elems, t)
	if err != nil {
		return nil, err
	}
	return &Constructor{T: types.NewArray(t), Elems: out, render: "ARRAY[" + joinExprs(elems) + "]"}, nil
}

// NewMap binds MAP(k := v, ...); keys and values are each coerced to a common type.
func NewMap(keys, values []Expr) (Expr, error) {
	if len(keys) != len(values) {
		return nil, mismatch("MAP constructor needs as many keys as values")
	}
	kt, err := userListType(keys)
	if err != nil {
		return nil, err
	}
	vt, err := userListType(values)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 && (kt.Kind == types.KindUnknown || vt.Kind == types.KindUnknown) {
		return nil, mismatch("Cannot construct a map with all NULL keys or values (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	ks, err := coerceUserList(keys, kt)
	if err != nil {
		return nil, err
	}
	vs, err := coerceUserList(values, vt)
	if err != nil {
		return nil, err
	}
	elems := make([]Expr, 0, 2*len(keys))
	parts := make([]string, len(keys))
	for i := range ks {
		elems = append(elems, ks[i], vs[i])
		parts[i] = keys[i].String() + ":=" + values[i].String()
	}
	return &Constructor{T: types.NewMap(kt, vt), Elems: elems, render: "MAP(" + strings.Join(parts, ", ") + ")"}, nil
}

// NewStruct binds STRUCT(name := value, ...).
func NewStruct(names []string, values []Expr) (Expr, error) {
	if len(names) != len(values) {
		return nil, mismatch("STRUCT constructor needs a name per value")
	}
	fields := make([]types.Field, len(names))
	parts := make([]string, len(names))
	for i, n := range names {
		for _, prev := range names[:i] {
			if prev == n {
				return nil, mismatch("Duplicate field names found in STRUCT: '%s'", n)
			}
		}
		fields[i] = types.Field{Name: n, Type: values[i].Type()}
		parts[i] = n + ":=" + values[i].String()
	}
	return &Constructor{T: types.NewStruct(fields...), Elems: values, Names: names, render: "STRUCT(" + strings.Join(parts, ", ") + ")"}, nil
}

func coerceAll(es []Expr, t *types.Type) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, e := range es {
		c, err := ImplicitCast(e, t)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (c *Constructor) Type() *types.Type { return c.T }

func (c *Constructor) Eval(row []any) (any, error) {
	vals := make([]any, len(c.Elems))
	for i, e := range c.Elems {
		v, err := e.Eval(row)
		if err != nil {
			if !isEvalError(err) {
				return nil, err
			}
			v = nil // a failing element is NULL (nested error handling)
		}
		vals[i] = v
	}
	switch c.T.Kind {
	case types.KindStruct:
		return types.Struct(vals), nil
	case types.KindMap:
		m := &types.Map{Keys: make([]any, 0, len(vals)/2), Values: make([]any, 0, len(vals)/2)}
		for i := 0; i < len(vals); i += 2 {
			m.Put(vals[i], vals[i+1])
		}
		return m, nil
	}
	return vals, nil
}

func (c *Constructor) String() string { return c.render }

func (c *Constructor) children() []Expr { return c.Elems }

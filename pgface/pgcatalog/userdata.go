package pgcatalog

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// userRelation returns a stream or table as an evaluator relation: its columns
// (windowed tables add windowstart and windowend), then the hidden system column
// rowtime, with rows read from the engine when the statement first reads them.
func (s *snapshot) userRelation(r *userRelation) (*pgeval.Relation, error) {
	key := "user:" + r.src.Name
	if rel, ok := s.relations[key]; ok {
		return rel, nil
	}
	data := s.sess.data
	if data == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "%s is a Sluice %s; this server cannot read its rows", relName(r.src), strings.ToLower(r.src.Kind.String()))
	}
	if !s.bindOnly && !data.Queryable(r.src) {
		n := relName(r.src)
		return nil, sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
			"table %s is not materialized, so its rows cannot be read: create a materialized copy (CREATE TABLE %s_view AS SELECT * FROM %s;) or declare it with CREATE SOURCE TABLE, and query that", n, n, n)
	}
	cols := make([]pgeval.Column, 0, len(r.cols)+1)
	for _, c := range r.cols {
		cols = append(cols, pgeval.Column{Name: colName(c), Type: pgeval.Type{OID: TypeOID(c.Type)}})
	}
	cols = append(cols, pgeval.Column{Name: "rowtime", Type: pgeval.Type{OID: pgeval.Int8}})
	src := r.src
	ctx := s.ctx
	nsrc := len(src.Columns)
	convert := func(row []any) []any {
		out := make([]any, 0, len(cols))
		for i, c := range src.Columns {
			out = append(out, fromSluice(row[i], c.Type))
		}
		if src.Window != nil && len(row) >= nsrc+5 {
			out = append(out, fromSluice(row[nsrc+3], types.BigIntType), fromSluice(row[nsrc+4], types.BigIntType))
		}
		return append(out, fromSluice(row[nsrc], types.BigIntType))
	}
	scan := func(key []any) ([][]any, error) {
		var rows [][]any
		err := data.ScanRelation(ctx, src, key, func(row []any) (bool, error) {
			rows = append(rows, convert(row))
			return true, nil
		})
		return rows, err
	}
	rel := &pgeval.Relation{Columns: cols, OID: r.oid, Schema: "public", Hidden: 1, KeyColumn: -1,
		Load: func() ([][]any, error) { return scan(nil) }}
	if src.Kind == catalog.Table && src.Window == nil && len(r.pkey) == 1 {
		keyType := src.Columns[r.pkey[0]-1].Type
		rel.KeyColumn = int(r.pkey[0] - 1)
		rel.Lookup = func(v any) ([][]any, error) {
			k, ok := toSluice(v, keyType)
			if !ok {
				return nil, errNoLookup
			}
			return scan([]any{k})
		}
	}
	s.relations[key] = rel
	return rel, nil
}

// errNoLookup tells the evaluator that a key value has no exact form in the key's
// Sluice type (1.5 for an INT key): it scans instead.
var errNoLookup = pgeval.ErrNoLookup

// fromSluice converts a value of Sluice type t to the evaluator's
// representation of TypeOID(t).
func fromSluice(v any, t *types.Type) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool, int64, float64, string, *apd.Decimal:
		return x
	case int32:
		return int64(x)
	case []byte:
		return x
	case types.Date:
		return time.Unix(int64(x)*86400, 0).UTC()
	case types.Time:
		return pgeval.TimeOfDay(int64(x) * 1000)
	case types.Timestamp:
		return x.GoTime()
	}
	if TypeOID(t) == pgeval.JSON {
		return string(appendJSONValue(nil, t, v))
	}
	if list, ok := v.([]any); ok && t.Kind == types.KindArray {
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = fromSluice(e, t.Elem)
		}
		return out
	}
	return v
}

// evalParams converts bound parameters from package types' representation
// (the wire server decodes binary dates and timestamps into types.Date and
// types.Timestamp) to the evaluator's.
func evalParams(params []any) []any {
	var out []any // a copy, made at the first conversion
	for i, v := range params {
		var conv any
		switch x := v.(type) {
		case types.Date:
			conv = time.Unix(int64(x)*86400, 0).UTC()
		case types.Time:
			conv = pgeval.TimeOfDay(int64(x) * 1000)
		case types.Timestamp:
			conv = x.GoTime()
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), params...)
		}
		out[i] = conv
	}
	if out == nil {
		return params
	}
	return out
}

// toSluice converts an evaluator value to Sluice type t exactly, for a key
// lookup; ok is false when v has no exact value of that type.
func toSluice(v any, t *types.Type) (any, bool) {
	switch t.Kind {
	case types.KindString:
		s, ok := v.(string)
		return s, ok
	case types.KindInt:
		switch x := v.(type) {
		case int64:
			if int64(int32(x)) == x {
				return int32(x), true
			}
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
			return int32(n), err == nil
		}
	case types.KindBigInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			return n, err == nil
		}
	case types.KindBoolean:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}

// appendJSONValue writes a MAP, STRUCT or nested ARRAY as the json the wire
// protocol presents it as.
func appendJSONValue(b []byte, t *types.Type, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch t.Kind {
	case types.KindStruct:
		s, _ := v.(types.Struct)
		b = append(b, '{')
		for i, f := range t.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(f.Name)
			b = append(append(b, k...), ':')
			var fv any
			if i < len(s) {
				fv = s[i]
			}
			b = appendJSONValue(b, f.Type, fv)
		}
		return append(b, '}')
	case types.KindMap:
		m, _ := v.(*types.Map)
		b = append(b, '{')
		if m != nil {
			for i := range m.Keys {
				if i > 0 {
					b = append(b, ',')
				}
				k, _ := json.Marshal(pgeval.FormatText(nil, fromSluice(m.Keys[i], t.Key), TypeOID(t.Key)))
				b = append(append(b, k...), ':')
				b = appendJSONValue(b, t.Elem, m.Values[i])
			}
		}
		return append(b, '}')
	case types.KindArray:
		list, _ := v.([]any)
		b = append(b, '[')
		for i, e := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, t.Elem, e)
		}
		return append(b, ']')
	}
	pv := fromSluice(v, t)
	switch x := pv.(type) {
	case bool, int64, float64:
		return append(b, pgeval.FormatText(nil, x, TypeOID(t))...)
	case *apd.Decimal:
		return append(b, x.Text('f')...)
	}
	k, _ := json.Marshal(pgeval.FormatText(nil, pv, TypeOID(t)))
	return append(b, k...)
}

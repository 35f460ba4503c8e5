package jdbcsink

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Where a table column's value comes from.
const (
	fromKey = iota
	fromValue
	fromTopic
	fromPartition
	fromOffset
)

// column is one column of a destination table.
type column struct {
	name   string
	pgType string // as CREATE TABLE spells it
	typ    *types.Type
	from   int // fromKey, fromValue, ...
	index  int // the source's key or value column it is (fromKey, fromValue)
	pk     bool
}

// table is where one topic's records go: its columns (primary key first, in
// pk.fields order, as the JDBC sink lays them out) and the source that
// decodes the records.
type table struct {
	topic  string
	name   pgx.Identifier // schema-qualified when table.name.format has a dot
	source *catalog.Source
	cols   []column
}

// pkCols and valueCols split the columns for the statements.
func (t *table) pkCols() []column {
	return slices.DeleteFunc(slices.Clone(t.cols), func(c column) bool { return !c.pk })
}

func (t *table) nonPKCols() []column {
	return slices.DeleteFunc(slices.Clone(t.cols), func(c column) bool { return c.pk })
}

// newTable lays out topic's table from the source that reads it, per the
// configuration's pk.mode, pk.fields and fields.whitelist.
func newTable(cfg *Config, topic string, src *catalog.Source) (*table, error) {
	bad := func(format string, args ...any) error {
		return sqlerr.Newf(sqlerr.InvalidParameterValue, format, args...)
	}
	if src.Window != nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "topic %s has windowed keys (%s); the JDBC sink writes unwindowed sources only", topic, src.Name)
	}
	t := &table{topic: topic, source: src, name: tableName(cfg.TableNameFormat, topic)}
	keys, values := src.KeyColumns(), src.ValueColumns()
	find := func(cols []types.Column, name string) int {
		return slices.IndexFunc(cols, func(c types.Column) bool { return c.Name == name })
	}
	var pkNames []string
	switch cfg.PKMode {
	case PKKafka:
		names := cfg.PKFields
		if names == nil {
			names = kafkaPKFields
		}
		t.cols = append(t.cols,
			column{name: names[0], pgType: "TEXT", typ: types.StringType, from: fromTopic, pk: true},
			column{name: names[1], pgType: "INTEGER", typ: types.IntType, from: fromPartition, pk: true},
			column{name: names[2], pgType: "BIGINT", typ: types.BigIntType, from: fromOffset, pk: true})
		pkNames = names
	case PKRecordKey:
		if len(keys) == 0 {
			return nil, bad("pk.mode=record_key needs a key: source %s of topic %s has no key columns", src.Name, topic)
		}
		names := cfg.PKFields
		if names == nil {
			for _, k := range keys {
				names = append(names, k.Name)
			}
		}
		for _, n := range names {
			i := find(keys, n)
			if i < 0 {
				return nil, bad("pk.fields names %s, which is not a key column of source %s (topic %s)", n, src.Name, topic)
			}
			t.cols = append(t.cols, column{name: n, typ: keys[i].Type, from: fromKey, index: i, pk: true})
		}
		pkNames = names
	case PKRecordValue:
		names := cfg.PKFields
		if names == nil {
			for _, v := range values {
				names = append(names, v.Name)
			}
		}
		for _, n := range names {
			i := find(values, n)
			if i < 0 {
				return nil, bad("pk.fields names %s, which is not a value column of source %s (topic %s)", n, src.Name, topic)
			}
			t.cols = append(t.cols, column{name: n, typ: values[i].Type, from: fromValue, index: i, pk: true})
		}
		pkNames = names
	}
	for _, n := range cfg.FieldsWhitelist {
		if find(values, n) < 0 {
			return nil, bad("fields.whitelist names %s, which is not a value column of source %s (topic %s)", n, src.Name, topic)
		}
	}
	for i, v := range values {
		if slices.Contains(pkNames, v.Name) || (cfg.FieldsWhitelist != nil && !slices.Contains(cfg.FieldsWhitelist, v.Name)) {
			continue
		}
		t.cols = append(t.cols, column{name: v.Name, typ: v.Type, from: fromValue, index: i})
	}
	for i := range t.cols {
		if t.cols[i].pgType != "" {
			continue
		}
		pt, err := pgTypeOf(t.cols[i].typ)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "column %s of source %s (topic %s): %v; leave it out with fields.whitelist", t.cols[i].name, src.Name, topic, err)
		}
		t.cols[i].pgType = pt
	}
	if len(t.cols) == 0 {
		return nil, bad("topic %s maps to a table with no columns", topic)
	}
	if cfg.InsertMode == UpdateMode && len(t.nonPKCols()) == 0 {
		return nil, bad("insert.mode=update needs a column outside the primary key (topic %s)", topic)
	}
	return t, nil
}

// tableName applies table.name.format to a topic. A dot separates the schema
// from the table, as the JDBC sink reads a table name.
func tableName(format, topic string) pgx.Identifier {
	name := strings.ReplaceAll(format, "${topic}", topic)
	return pgx.Identifier(strings.Split(name, "."))
}

// pgTypeOf is the PostgreSQL column type the JDBC sink's PostgreSQL dialect
// creates for a Connect type; a ksqlDB type maps to Connect's as ksqlDB's
// converters do (INT is INT32, DOUBLE is FLOAT64, DECIMAL is Connect's
// Decimal, ...). Arrays of primitives become PostgreSQL arrays; maps and
// structs have no column type in the dialect.
func pgTypeOf(t *types.Type) (string, error) {
	switch t.Kind {
	case types.KindBoolean:
		return "BOOLEAN", nil
	case types.KindInt:
		return "INTEGER", nil
	case types.KindBigInt:
		return "BIGINT", nil
	case types.KindDouble:
		return "DOUBLE PRECISION", nil
	case types.KindDecimal:
		return "DECIMAL", nil
	case types.KindString:
		return "TEXT", nil
	case types.KindBytes:
		return "BYTEA", nil
	case types.KindDate:
		return "DATE", nil
	case types.KindTime:
		return "TIME", nil
	case types.KindTimestamp:
		return "TIMESTAMP", nil
	case types.KindArray:
		if k := t.Elem.Kind; k == types.KindArray || k == types.KindMap || k == types.KindStruct {
			return "", fmt.Errorf("type %s has no PostgreSQL column type in the JDBC sink", t)
		}
		e, err := pgTypeOf(t.Elem)
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	}
	return "", fmt.Errorf("type %s has no PostgreSQL column type in the JDBC sink", t)
}

// pgValue converts a Sluice value (package types' representation) to one pgx
// encodes as the column's type.
func pgValue(v any, t *types.Type) any {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case types.KindDecimal:
		return numeric(v.(*apd.Decimal))
	case types.KindDate:
		return pgtype.Date{Time: time.Unix(int64(v.(types.Date))*86400, 0).UTC(), Valid: true}
	case types.KindTime:
		return pgtype.Time{Microseconds: int64(v.(types.Time)) * 1000, Valid: true}
	case types.KindTimestamp:
		return pgtype.Timestamp{Time: v.(types.Timestamp).GoTime(), Valid: true}
	case types.KindArray:
		in := v.([]any)
		out := make([]any, len(in))
		for i, e := range in {
			out[i] = pgValue(e, t.Elem)
		}
		return pgtype.FlatArray[any](out)
	}
	return v
}

// numeric converts an exact decimal without going through text.
func numeric(d *apd.Decimal) pgtype.Numeric {
	n := new(big.Int).Set(d.Coeff.MathBigInt())
	if d.Negative {
		n.Neg(n)
	}
	return pgtype.Numeric{Int: n, Exp: d.Exponent, Valid: true}
}

package types

import (
	"fmt"
	"strings"
)

// Kind is the SQL type family.
type Kind uint8

const (
	KindUnknown Kind = iota // only for the NULL literal before it is typed by context
	KindBoolean
	KindInt
	KindBigInt
	KindDouble
	KindDecimal
	KindString
	KindBytes
	KindDate
	KindTime
	KindTimestamp
	KindArray
	KindMap
	KindStruct
)

// Type is a SQL type. Types are immutable after construction and may be shared.
type Type struct {
	Kind      Kind
	Precision int     // DECIMAL only
	Scale     int     // DECIMAL only
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // STRUCT fields, in declaration order
}

// Field is one field of a STRUCT type.
type Field struct {
	Name string
	Type *Type
}

// Shared instances of the scalar types.
var (
	UnknownType   = &Type{Kind: KindUnknown}
	BooleanType   = &Type{Kind: KindBoolean}
	IntType       = &Type{Kind: KindInt}
	BigIntType    = &Type{Kind: KindBigInt}
	DoubleType    = &Type{Kind: KindDouble}
	StringType    = &Type{Kind: KindString}
	BytesType     = &Type{Kind: KindBytes}
	DateType      = &Type{Kind: KindDate}
	TimeType      = &Type{Kind: KindTime}
	TimestampType = &Type{Kind: KindTimestamp}
)

// NewDecimal returns DECIMAL(precision, scale).
func NewDecimal(precision, scale int) *Type {
	return &Type{Kind: KindDecimal, Precision: precision, Scale: scale}
}

// NewArray returns ARRAY<elem>.
func NewArray(elem *Type) *Type { return &Type{Kind: KindArray, Elem: elem} }

// NewMap returns MAP<key, value>.
func NewMap(key, value *Type) *Type { return &Type{Kind: KindMap, Key: key, Elem: value} }

// NewStruct returns STRUCT<fields...>.
func NewStruct(fields ...Field) *Type { return &Type{Kind: KindStruct, Fields: fields} }

// FieldIndex returns the index of the named field of a STRUCT, or -1.
// Field names are matched exactly: identifiers are already case-normalized by the parser.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// IsNumeric reports whether values of t take part in arithmetic.
func (t *Type) IsNumeric() bool {
	switch t.Kind {
	case KindInt, KindBigInt, KindDouble, KindDecimal:
		return true
	}
	return false
}

// Equal reports whether two types are identical.
func (t *Type) Equal(o *Type) bool {
	if t == o {
		return true
	}
	if t == nil || o == nil || t.Kind != o.Kind {
		return false
	}
	switch t.Kind {
	case KindDecimal:
		return t.Precision == o.Precision && t.Scale == o.Scale
	case KindArray:
		return t.Elem.Equal(o.Elem)
	case KindMap:
		return t.Key.Equal(o.Key) && t.Elem.Equal(o.Elem)
	case KindStruct:
		if len(t.Fields) != len(o.Fields) {
			return false
		}
		for i := range t.Fields {
			if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

// String renders the type the way ksqlDB's DESCRIBE and schema strings do,
// e.g. INTEGER, VARCHAR, DECIMAL(4, 2), ARRAY<BIGINT>, STRUCT<`A` INTEGER>.
func (t *Type) String() string {
	var b strings.Builder
	t.format(&b)
	return b.String()
}

func (t *Type) format(b *strings.Builder) {
	if t == nil {
		b.WriteString("NULL")
		return
	}
	switch t.Kind {
	case KindUnknown:
		b.WriteString("NULL")
	case KindBoolean:
		b.WriteString("BOOLEAN")
	case KindInt:
		b.WriteString("INTEGER")
	case KindBigInt:
		b.WriteString("BIGINT")
	case KindDouble:
		b.WriteString("DOUBLE")
	case KindDecimal:
		fmt.Fprintf(b, "DECIMAL(%d, %d)", t.Precision, t.Scale)
	case KindString:
		b.WriteString("STRING")
	case KindBytes:
		b.WriteString("BYTES")
	case KindDate:
		b.WriteString("DATE")
	case KindTime:
		b.WriteString("TIME")
	case KindTimestamp:
		b.WriteString("TIMESTAMP")
	case KindArray:
		b.WriteString("ARRAY<")
		t.Elem.format(b)
		b.WriteString(">")
	case KindMap:
		b.WriteString("MAP<")
		t.Key.format(b)
		b.WriteString(", ")
		t.Elem.format(b)
		b.WriteString(">")
	case KindStruct:
		b.WriteString("STRUCT<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteIdent(f.Name))
			b.WriteString(" ")
			f.Type.format(b)
		}
		b.WriteString(">")
	}
}

// QuoteIdent renders an identifier in ksqlDB's back-quoted form.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

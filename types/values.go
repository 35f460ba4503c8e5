package types

import "time"

// Date is a DATE value: days since 1970-01-01.
type Date int32

// Time is a TIME value: milliseconds since midnight.
type Time int32

// Timestamp is a TIMESTAMP value: milliseconds since the Unix epoch, UTC.
type Timestamp int64

// GoTime converts a Timestamp to a time.Time in UTC.
func (ts Timestamp) GoTime() time.Time { return time.UnixMilli(int64(ts)).UTC() }

// Struct is a STRUCT value: one entry per field of its type, in order.
type Struct []any

// Map is a MAP value. Entries keep insertion order so that encoding is deterministic;
// a key appears at most once.
type Map struct {
	Keys   []any
	Values []any
}

// Get returns the value for key and whether it was present.
func (m *Map) Get(key any) (any, bool) {
	for i, k := range m.Keys {
		if k == key {
			return m.Values[i], true
		}
	}
	return nil, false
}

// Put sets key to value, replacing an existing entry in place.
func (m *Map) Put(key, value any) {
	for i, k := range m.Keys {
		if k == key {
			m.Values[i] = value
			return
		}
	}
	m.Keys = append(m.Keys, key)
	m.Values = append(m.Values, value)
}

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.Keys) }

// Column is a named, typed column of a relation or result.
type Column struct {
	Name string
	Type *Type
	// Role says where the column lives in a Kafka record.
	Role ColumnRole
	// HeaderKey is the header name of a HEADER('k') column.
	HeaderKey string
	// PGType, when not 0, is the Postgres type OID a result column is presented as
	// on the wire instead of the one its Type maps to (int2, name, varchar,
	// timestamptz, interval, ... from Postgres-dialect queries); values keep
	// Type's representation (intervals are their text).
	PGType uint32
}

// ColumnRole says where in a Kafka record a column is stored.
type ColumnRole uint8

const (
	ValueColumn   ColumnRole = iota
	KeyColumn                // KEY / PRIMARY KEY
	HeadersColumn            // HEADERS: all headers as ARRAY<STRUCT<KEY STRING, VALUE BYTES>>
	HeaderColumn             // HEADER('k'): the last header named k, as BYTES
)

// HeadersType is the type of a HEADERS column.
var HeadersType = NewArray(NewStruct(Field{Name: "KEY", Type: StringType}, Field{Name: "VALUE", Type: BytesType}))

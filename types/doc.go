// Package types defines Sluice's SQL types (the ksqlDB type system) and the Go
// representation of their values. It is a leaf: it imports nothing of Sluice's.
//
// Value representation (a nil interface is SQL NULL everywhere):
//
//	BOOLEAN    bool
//	INT        int32
//	BIGINT     int64
//	DOUBLE     float64
//	DECIMAL    *apd.Decimal (github.com/cockroachdb/apd/v3), already at the column's scale
//	STRING     string
//	BYTES      []byte
//	DATE       Date (days since the epoch)
//	TIME       Time (milliseconds since midnight)
//	TIMESTAMP  Timestamp (milliseconds since the epoch, UTC)
//	ARRAY<T>   []any
//	MAP<K,V>   *Map (insertion-ordered entries)
//	STRUCT<..> Struct (one value per field, in the type's field order)
//
// Values are immutable once built: operators may share them between rows.
package types

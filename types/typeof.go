package types

import "github.com/cockroachdb/apd/v3"

// ScalarTypeOf returns the scalar type whose Go representation v is, or nil for
// NULL, collections and values of no SQL type. A DECIMAL gets the smallest
// precision and scale that hold it exactly.
func ScalarTypeOf(v any) *Type {
	switch v := v.(type) {
	case bool:
		return BooleanType
	case int32:
		return IntType
	case int64:
		return BigIntType
	case float64:
		return DoubleType
	case *apd.Decimal:
		scale := 0
		if v.Exponent < 0 {
			scale = int(-v.Exponent)
		}
		precision := int(v.NumDigits())
		if precision < scale {
			precision = scale
		}
		return NewDecimal(precision, scale)
	case string:
		return StringType
	case []byte:
		return BytesType
	case Date:
		return DateType
	case Time:
		return TimeType
	case Timestamp:
		return TimestampType
	}
	return nil
}

package formats

import (
	"fmt"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// checkSchema reports, in ksqlDB's words, why a format cannot carry the columns.
func checkSchema(format string, cols []types.Column, opts Options) error {
	if opts.IsKey {
		// ksqlDB refuses maps anywhere in a key whatever the format: their
		// serialization is not canonical, so equal keys could land in different partitions.
		for _, c := range cols {
			if containsKind(c.Type, types.KindMap) {
				return sqlerr.Newf(sqlerr.FeatureNotSupported,
					"Map keys, including types that contain maps, are not supported as they may "+
						"lead to unexpected behavior due to inconsistent serialization. Key column name: %s. "+
						"Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
					types.QuoteIdent(c.Name), c.Type)
			}
		}
	}
	switch format {
	case JSON, JSONSR:
		for _, c := range cols {
			if hasNonStringMapKey(c.Type) {
				return sqlerr.New(sqlerr.FeatureNotSupported, "JSON only supports MAP types with STRING keys")
			}
		}
	case Avro:
		for _, c := range cols {
			if hasNonStringMapKey(c.Type) {
				return sqlerr.New(sqlerr.FeatureNotSupported, "Avro only supports MAPs with STRING keys")
			}
		}
	case Delimited:
		for _, c := range cols {
			switch c.Type.Kind {
			case types.KindArray, types.KindMap, types.KindStruct:
				return unsupported(format, cols, opts,
					fmt.Sprintf("The 'DELIMITED' format does not support type '%s', column: %s",
						baseTypeName(c.Type), types.QuoteIdent(c.Name)))
			}
		}
	case Kafka:
		if len(cols) > 1 {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition,
				"The 'KAFKA' format only supports a single field. Got: %s", columnList(cols, opts))
		}
		for _, c := range cols {
			switch c.Type.Kind {
			case types.KindInt, types.KindBigInt, types.KindDouble, types.KindString, types.KindBytes:
			default:
				return unsupported(format, cols, opts,
					fmt.Sprintf("The 'KAFKA' format does not support type '%s'", baseTypeName(c.Type)))
			}
		}
	case None:
		if len(cols) > 0 {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition,
				"The 'NONE' format can only be used when no columns are defined. Got: %s",
				columnList(cols, opts))
		}
	}
	return nil
}

// unsupported builds ksqlDB's "format does not support schema" error.
func unsupported(format string, cols []types.Column, opts Options, reason string) error {
	side, features := "Value", "[]"
	if opts.IsKey {
		side = "Key"
	} else if len(cols) == 1 && opts.WrapSingle != nil && !*opts.WrapSingle {
		features = "[UNWRAP_SINGLES]"
	}
	return sqlerr.Newf(sqlerr.FeatureNotSupported,
		"%s format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=%s}\nreason: %s",
		side, format, columnList(cols, opts), features, reason)
}

// columnList renders columns as ksqlDB's LogicalSchema does: [`A` INTEGER KEY, ...].
func columnList(cols []types.Column, opts Options) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(types.QuoteIdent(c.Name))
		b.WriteByte(' ')
		b.WriteString(c.Type.String())
		if opts.IsKey {
			b.WriteString(" KEY")
		}
	}
	b.WriteByte(']')
	return b.String()
}

// baseTypeName is the SqlBaseType name ksqlDB uses in messages: DECIMAL, not DECIMAL(4, 2).
func baseTypeName(t *types.Type) string {
	switch t.Kind {
	case types.KindDecimal:
		return "DECIMAL"
	case types.KindArray:
		return "ARRAY"
	case types.KindMap:
		return "MAP"
	case types.KindStruct:
		return "STRUCT"
	}
	return t.String()
}

func containsKind(t *types.Type, k types.Kind) bool {
	if t == nil {
		return false
	}
	if t.Kind == k {
		return true
	}
	switch t.Kind {
	case types.KindArray:
		return containsKind(t.Elem, k)
	case types.KindMap:
		return containsKind(t.Key, k) || containsKind(t.Elem, k)
	case types.KindStruct:
		for _, f := range t.Fields {
			if containsKind(f.Type, k) {
				return true
			}
		}
	}
	return false
}

func hasNonStringMapKey(t *types.Type) bool {
	switch t.Kind {
	case types.KindArray:
		return hasNonStringMapKey(t.Elem)
	case types.KindMap:
		return t.Key.Kind != types.KindString || hasNonStringMapKey(t.Elem)
	case types.KindStruct:
		for _, f := range t.Fields {
			if hasNonStringMapKey(f.Type) {
				return true
			}
		}
	}
	return false
}

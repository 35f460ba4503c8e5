package plan

import (
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/types"
)

// Pseudo-columns every source row carries after its declared columns.
const (
	RowTime      = "ROWTIME"
	RowPartition = "ROWPARTITION"
	RowOffset    = "ROWOFFSET"
)

// PseudoColumns returns the columns appended to every input row, in order.
func PseudoColumns() []types.Column {
	return []types.Column{
		{Name: RowTime, Type: types.BigIntType},
		{Name: RowPartition, Type: types.IntType},
		{Name: RowOffset, Type: types.BigIntType},
	}
}

// InputLayout returns the columns of the row that operators see for a source:
// its declared columns in order, then ROWTIME, ROWPARTITION and ROWOFFSET, then
// WINDOWSTART and WINDOWEND when its key is windowed.
func InputLayout(src *catalog.Source) []types.Column {
	out := make([]types.Column, 0, len(src.Columns)+3)
	out = append(out, src.Columns...)
	out = append(out, PseudoColumns()...)
	if src.Window != nil {
		// A windowed key carries its window: WINDOWSTART and WINDOWEND.
		out = append(out, types.Column{Name: WindowStart, Type: types.BigIntType}, types.Column{Name: WindowEnd, Type: types.BigIntType})
	}
	return out
}

// KeyOptions are the codec options for a source's key.
func KeyOptions(src *catalog.Source) formats.Options {
	return formats.Options{IsKey: true, Delimiter: src.KeyDelimiter, FullName: src.KeySchemaFullName,
		ProtobufNullable: src.KeyProtobufNullable, Registry: registry(src.KeySchema, src.Schemas)}
}

func registry(s *catalog.RegistrySchema, lookup formats.SchemaLookup) *formats.Registry {
	if s == nil {
		return nil
	}
	return &formats.Registry{ID: s.ID, Schema: s.Schema, Lookup: lookup}
}

// ValueOptions are the codec options for a source's value.
func ValueOptions(src *catalog.Source) formats.Options {
	return formats.Options{Delimiter: src.ValueDelimiter, WrapSingle: src.WrapSingle, FullName: src.ValueSchemaFullName,
		ProtobufNullable: src.ValueProtobufNullable, Registry: registry(src.ValueSchema, src.Schemas)}
}

package formats

import (
	"github.com/sluice-db/sluice/types"
)

// jsonCodec is the JSON format. Several columns, or one wrapped value column, are
// an object with one field per column named exactly as the column; otherwise the
// single column's value is the whole document.
type jsonCodec struct {
	cols  []types.Column
	isKey bool
	wrap  bool
	// row describes the wrapping object as a STRUCT so that decoding a row and
	// decoding a nested struct share one code path.
	row *types.Type
	// use is the part of the row a reader needs (nil: all); see Projection.
	use *Projection
	// scan is row prepared for the scanner.
	scan *scanStruct
}

func newJSONCodec(cols []types.Column, opts Options) *jsonCodec {
	row := &types.Type{Kind: types.KindStruct, Fields: make([]types.Field, len(cols))}
	for i, c := range cols {
		row.Fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return &jsonCodec{cols: cols, isKey: opts.IsKey, wrap: wrapped(cols, opts), row: row, scan: newScanStruct(row)}
}

// Encode writes the row. A key without columns, and an unwrapped NULL, are nil
// bytes: ksqlDB's serializer returns null for a null object.
func (c *jsonCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if len(c.cols) == 0 && c.isKey {
		return nil, nil
	}
	if !c.wrap {
		if vals[0] == nil {
			return nil, nil
		}
		return appendJSON(dst, vals[0], c.cols[0].Type)
	}
	return appendJSONStruct(dst, vals, c.row)
}

// Decode reads one row. A JSON null document gives all-NULL columns: the caller
// cannot tell it from a row of NULLs, which is what ksqlDB's table and stream
// processing make of a null value once the tombstone is handled by key.
func (c *jsonCodec) Decode(data []byte, dst []any) error {
	if len(c.cols) == 0 {
		return nil
	}
	if c.wrap {
		var s jsonScanner
		if s.decodeRow(data, c.scan, c.use, dst) {
			return nil
		}
		// Not a document the scanner reads: the tree rules decide, errors included.
	}
	return c.decodeTree(data, dst)
}

// decodeTree decodes through the parsed tree: the reference the scanner matches.
func (c *jsonCodec) decodeTree(data []byte, dst []any) error {
	var p jsonParser
	doc, err := p.parseDocument(data)
	if err != nil {
		return err
	}
	if !c.wrap {
		v, err := convertJSONTop(doc, c.cols[0].Type)
		if err != nil {
			return err
		}
		dst[0] = v
		return nil
	}
	if doc.kind == jsonNull {
		clear(dst)
		return nil
	}
	return convertJSONStruct(doc, c.row, dst)
}

package formats

import (
	"github.com/sluice-db/sluice/types"
)

// jsonSRCodec is ksqlDB's JSON_SR format: Confluent's framing (magic byte 0, the
// 4-byte schema id) followed by the same JSON text the JSON format writes.
//
// Reading does not consult the writer's schema, as ksqlDB's JSON_SR deserializer
// does not: it checks the magic byte, skips the id and reads the JSON against the
// source's columns with the JSON format's coercions (an integer into a STRING
// column is its text). So any schema id is accepted.
type jsonSRCodec struct {
	json *jsonCodec
	id   int
}

func newJSONSRCodec(cols []types.Column, opts Options) *jsonSRCodec {
	c := &jsonSRCodec{json: newJSONCodec(cols, opts)}
	if opts.Registry != nil {
		c.id = opts.Registry.ID
	}
	return c
}

// Encode writes the header and the JSON document. A key without columns and an
// unwrapped NULL are nil bytes (a null record), as Confluent's serializer
// returns null for a null object.
func (c *jsonSRCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if len(c.json.cols) == 0 {
		return nil, nil
	}
	if !c.json.wrap && vals[0] == nil {
		return nil, nil
	}
	return c.json.Encode(appendConfluentHeader(dst, c.id), vals)
}

func (c *jsonSRCodec) Decode(data []byte, dst []any) error {
	if len(c.json.cols) == 0 {
		return nil
	}
	_, body, err := readConfluentHeader(data)
	if err != nil {
		return err
	}
	return c.json.Decode(body, dst)
}

package formats

// noneCodec is the NONE format: no columns, and no bytes whatever the record holds.
type noneCodec struct{}

func (noneCodec) Encode([]byte, []any) ([]byte, error) { return nil, nil }

// Decode ignores data: ksqlDB's NONE deserializer does not look at the bytes.
func (noneCodec) Decode([]byte, []any) error { return nil }

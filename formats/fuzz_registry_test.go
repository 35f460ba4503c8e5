package formats

import (
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

// FuzzBinaryDecode feeds arbitrary bytes to the binary decoders (AVRO,
// PROTOBUF, PROTOBUF_NOSR, JSON_SR and KAFKA), whose inputs come from any
// producer on the topic: none may panic or allocate without bound, and a row
// one of them decodes must encode again. The corpus starts from each codec's
// own encoding of a full row, and from its truncations.
func FuzzBinaryDecode(f *testing.F) {
	formats := []string{Avro, Protobuf, ProtobufNoSR, JSONSR}
	cols := fuzzColumns(false)
	codecs := make([]Codec, len(formats))
	for i, format := range formats {
		c, err := NewCodec(format, cols, Options{Registry: &Registry{ID: 7}})
		if err != nil {
			f.Fatalf("%s: %v", format, err)
		}
		codecs[i] = c
	}
	kafkaCols := []types.Column{{Name: "L", Type: types.BigIntType}}
	kafka, err := NewCodec(Kafka, kafkaCols, Options{})
	if err != nil {
		f.Fatal(err)
	}
	row := []any{true, int32(-7), int64(1) << 40, 2.5, apd.New(12345, -2), "héllo", []byte{0, 1, 2},
		types.Timestamp(1700000000000), []any{"a", nil}, &types.Map{Keys: []any{"k"}, Values: []any{int32(3)}},
		types.Struct{1.5}}
	for i, c := range codecs {
		enc, err := c.Encode(nil, row)
		if err != nil {
			f.Fatalf("%s: encode the seed row: %v", formats[i], err)
		}
		for _, n := range []int{len(enc), len(enc) / 2, 6, 5, 1} {
			if n <= len(enc) {
				f.Add(uint8(i), enc[:n])
			}
		}
	}
	f.Add(uint8(len(codecs)), []byte{0, 0, 0, 0, 0, 0, 0, 42})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		c, n := kafka, len(kafkaCols)
		if int(which) < len(codecs) {
			c, n = codecs[which], len(cols)
		}
		out := make([]any, n)
		if c.Decode(data, out) != nil {
			return
		}
		if _, err := c.Encode(nil, out); err != nil {
			t.Fatalf("decoded %x but cannot encode it: %v", data, err)
		}
	})
}

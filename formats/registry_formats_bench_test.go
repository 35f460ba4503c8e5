package formats

import (
	"testing"

	"github.com/sluice-db/sluice/types"
)

// The same rows as the JSON benchmarks, in AVRO, JSON_SR and PROTOBUF: the JSON
// text is decoded once into column values, which are then encoded and decoded by
// each format.
func benchmarkFormats(b *testing.B, cols []types.Column, jsonRow []byte) {
	jc, err := NewCodec(JSON, cols, Options{})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(cols))
	if err := jc.Decode(jsonRow, row); err != nil {
		b.Fatal(err)
	}
	codecs := []struct {
		name  string
		codec Codec
	}{{"JSON", jc}}
	for _, name := range []string{Avro, JSONSR, Protobuf} {
		c, err := NewCodec(name, cols, Options{Registry: &Registry{ID: 1}})
		if err != nil {
			b.Fatal(err)
		}
		codecs = append(codecs, struct {
			name  string
			codec Codec
		}{name, c})
	}
	for _, f := range codecs {
		data, err := f.codec.Encode(nil, row)
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]any, len(cols))
		b.Run(f.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := f.codec.Decode(data, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(f.name+"/encode", func(b *testing.B) {
			var buf []byte
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = f.codec.Encode(buf[:0], row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFormatsFlat(b *testing.B)    { benchmarkFormats(b, flatColumns, flatRow) }
func BenchmarkFormatsNexmark(b *testing.B) { benchmarkFormats(b, nexmarkColumns, nexmarkBid) }

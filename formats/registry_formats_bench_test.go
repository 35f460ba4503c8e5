package formats

import (
	"strings"
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
	for _, name := range []string{Avro, JSONSR, Protobuf, Protobuf + "-dynamicpb"} {
		format, dynamic := strings.CutSuffix(name, "-dynamicpb")
		c, err := NewCodec(format, cols, Options{Registry: &Registry{ID: 1}})
		if err != nil {
			b.Fatal(err)
		}
		if dynamic {
			// The general decoder the compiled plans replace, for comparison.
			c.(*protobufCodec).dynamicOnly = true
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

// BenchmarkFormatsNexmarkProjection reads only event_type and the person's id,
// name and dateTime (q8's person stage), as JSON and PROTOBUF readers with that
// projection.
func BenchmarkFormatsNexmarkProjection(b *testing.B) {
	person := &Projection{Columns: []bool{true, true, false, false, false, false, true, false}}
	use := &Projection{Columns: []bool{true, true, false, false}, Fields: []*Projection{nil, person, nil, nil}}
	jc, err := NewCodec(JSON, nexmarkColumns, Options{})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(nexmarkColumns))
	if err := jc.Decode(nexmarkBid, row); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{JSON, Protobuf} {
		enc, err := NewCodec(format, nexmarkColumns, Options{Registry: &Registry{ID: 1}})
		if err != nil {
			b.Fatal(err)
		}
		data, err := enc.Encode(nil, row)
		if err != nil {
			b.Fatal(err)
		}
		c, err := NewDecoder(format, nexmarkColumns, Options{Registry: &Registry{ID: 1}}, use)
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]any, len(nexmarkColumns))
		b.Run(format+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Decode(data, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

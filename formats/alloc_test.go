package formats

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// TestEncodeDoesNotAllocate pins the encoders' hot-path contract: with a buffer
// large enough, encoding a row of scalars allocates nothing but double text.
func TestEncodeDoesNotAllocate(t *testing.T) {
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "L", Type: types.BigIntType},
		{Name: "S", Type: types.StringType},
		{Name: "DEC", Type: types.NewDecimal(6, 2)},
		{Name: "TS", Type: types.TimestampType},
	}
	row := []any{int32(1), int64(-2), "a \"quoted\", string", apd.New(1050, -2), types.Timestamp(5)}
	for _, format := range []string{JSON, Delimited} {
		codec, err := NewCodec(format, cols, Options{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 256)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := codec.Encode(buf[:0], row); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("%s: Encode allocates %.0f times per row", format, allocs)
		}
	}
}

package expr

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// The Nexmark stateless queries' expressions over a row {EVENT_TYPE, BID}:
// q0/q1's filter event_type = 2, q1's 0.908 * bid->price and q2's
// bid->auction % 123 = 0.
func BenchmarkEvaluate(b *testing.B) {
	bidType := types.NewStruct(
		types.Field{Name: "AUCTION", Type: types.BigIntType}, types.Field{Name: "BIDDER", Type: types.BigIntType},
		types.Field{Name: "PRICE", Type: types.BigIntType}, types.Field{Name: "DATETIME", Type: types.TimestampType},
		types.Field{Name: "EXTRA", Type: types.StringType})
	eventType := NewColumn(0, "EVENT_TYPE", types.IntType)
	bid := NewColumn(1, "BID", bidType)
	must := func(e Expr, err error) Expr {
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	dec, _, err := apd.NewFromString("0.908")
	if err != nil {
		b.Fatal(err)
	}
	exprs := []struct {
		name string
		e    Expr
	}{
		{"column", bid},
		{"deref", must(NewDeref(bid, "PRICE"))},
		{"event_type=2", must(NewBinary("=", eventType, NewLiteral(int32(2), types.IntType)))},
		{"decimal*price", must(NewBinary("*", NewLiteral(dec, types.NewDecimal(3, 3)), must(NewDeref(bid, "PRICE"))))},
		{"auction%123=0", must(NewBinary("=", must(NewBinary("%", must(NewDeref(bid, "AUCTION")),
			NewLiteral(int32(123), types.IntType))), NewLiteral(int32(0), types.IntType)))},
	}
	row := []any{int32(2), types.Struct{int64(1000), int64(2001), int64(45188), types.Timestamp(1436918400000), "extra"}}
	for _, x := range exprs {
		b.Run(x.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x.e.Eval(row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package formats

import (
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// The Nexmark event row (cmd/sluice-bench's sourceDDL): the single-topic JSON
// layout with the three entities as STRUCTs.
var nexmarkColumns = []types.Column{
	{Name: "EVENT_TYPE", Type: types.IntType},
	{Name: "PERSON", Type: types.NewStruct(
		types.Field{Name: "ID", Type: types.BigIntType}, types.Field{Name: "NAME", Type: types.StringType},
		types.Field{Name: "EMAILADDRESS", Type: types.StringType}, types.Field{Name: "CREDITCARD", Type: types.StringType},
		types.Field{Name: "CITY", Type: types.StringType}, types.Field{Name: "STATE", Type: types.StringType},
		types.Field{Name: "DATETIME", Type: types.TimestampType}, types.Field{Name: "EXTRA", Type: types.StringType})},
	{Name: "AUCTION", Type: types.NewStruct(
		types.Field{Name: "ID", Type: types.BigIntType}, types.Field{Name: "ITEMNAME", Type: types.StringType},
		types.Field{Name: "DESCRIPTION", Type: types.StringType}, types.Field{Name: "INITIALBID", Type: types.BigIntType},
		types.Field{Name: "RESERVE", Type: types.BigIntType}, types.Field{Name: "DATETIME", Type: types.TimestampType},
		types.Field{Name: "EXPIRES", Type: types.TimestampType}, types.Field{Name: "SELLER", Type: types.BigIntType},
		types.Field{Name: "CATEGORY", Type: types.BigIntType}, types.Field{Name: "EXTRA", Type: types.StringType})},
	{Name: "BID", Type: types.NewStruct(
		types.Field{Name: "AUCTION", Type: types.BigIntType}, types.Field{Name: "BIDDER", Type: types.BigIntType},
		types.Field{Name: "PRICE", Type: types.BigIntType}, types.Field{Name: "CHANNEL", Type: types.StringType},
		types.Field{Name: "URL", Type: types.StringType}, types.Field{Name: "DATETIME", Type: types.TimestampType},
		types.Field{Name: "EXTRA", Type: types.StringType})},
}

// nexmarkBid is a bid event as cmd/sluice-bench generates it (228 bytes).
var nexmarkBid = []byte(`{"event_type":2,"person":null,"auction":null,"bid":{"auction":1000,"bidder":2001,` +
	`"price":45188,"channel":"channel-6244","url":"https://www.nexmark.com/pqrla/item.htm?query=1&channel_id=6244",` +
	`"dateTime":1436918400000,"extra":"kxjqz ahfjwp lwqpoi ekavmsd qlwo"}}`)

// flatRow is a flat object with upper-case names that match the columns exactly.
var (
	flatColumns = []types.Column{
		{Name: "ID", Type: types.BigIntType}, {Name: "NAME", Type: types.StringType},
		{Name: "PRICE", Type: types.DoubleType}, {Name: "TS", Type: types.TimestampType},
		{Name: "OK", Type: types.BooleanType},
	}
	flatRow = []byte(`{"ID":123456789,"NAME":"a name of some length","PRICE":12.75,"TS":1436918400000,"OK":true}`)
)

// telemetryRow is the seed's telemetry record (the sink connector benchmark's):
// a few fields and a 5 KB note, so string scanning dominates.
var (
	telemetryColumns = []types.Column{
		{Name: "DISTRICT", Type: types.StringType}, {Name: "SPEED", Type: types.DoubleType},
		{Name: "BATTERY", Type: types.IntType}, {Name: "TS", Type: types.BigIntType}, {Name: "NOTE", Type: types.StringType},
	}
	telemetryRow = []byte(`{"district":"district-07","speed":42.5,"battery":77,"ts":1700000000042,"note":"` +
		strings.Repeat("telemetry sample ", 5<<10/17) + `"}`)
)

func benchmarkDecode(b *testing.B, cols []types.Column, data []byte) {
	codec, err := NewCodec(JSON, cols, Options{})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]any, len(cols))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := codec.Decode(data, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecode(b *testing.B) {
	b.Run("nexmark-bid", func(b *testing.B) { benchmarkDecode(b, nexmarkColumns, nexmarkBid) })
	b.Run("flat", func(b *testing.B) { benchmarkDecode(b, flatColumns, flatRow) })
	b.Run("telemetry-5KB", func(b *testing.B) { benchmarkDecode(b, telemetryColumns, telemetryRow) })
	// q8's person stage reads event_type and person->id/name/dateTime: a bid
	// event's bid is only validated, not kept.
	b.Run("nexmark-bid-person-projection", func(b *testing.B) {
		person := &Projection{Columns: []bool{true, false, false, false, false, false, true, false}}
		person.Columns[1] = true
		use := &Projection{Columns: []bool{true, true, false, false}, Fields: []*Projection{nil, person, nil, nil}}
		codec, err := NewDecoder(JSON, nexmarkColumns, Options{}, use)
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]any, len(nexmarkColumns))
		b.SetBytes(int64(len(nexmarkBid)))
		b.ReportAllocs()
		for b.Loop() {
			if err := codec.Decode(nexmarkBid, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkJSONEncode(b *testing.B) {
	q0 := []types.Column{
		{Name: "AUCTION", Type: types.BigIntType}, {Name: "BIDDER", Type: types.BigIntType},
		{Name: "PRICE", Type: types.BigIntType}, {Name: "DATETIME", Type: types.TimestampType},
		{Name: "EXTRA", Type: types.StringType},
	}
	q1 := append([]types.Column(nil), q0...)
	q1[2].Type = types.NewDecimal(23, 3)
	rows := map[string]struct {
		cols []types.Column
		row  []any
	}{
		"q0": {q0, []any{int64(1000), int64(2001), int64(45188), types.Timestamp(1436918400000), "kxjqz ahfjwp lwqpoi ekavmsd qlwo"}},
		"q1": {q1, []any{int64(1000), int64(2001), apd.New(41030704, -3), types.Timestamp(1436918400000), "kxjqz ahfjwp lwqpoi ekavmsd qlwo"}},
	}
	for _, name := range []string{"q0", "q1"} {
		r := rows[name]
		b.Run(name, func(b *testing.B) {
			codec, err := NewCodec(JSON, r.cols, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				// A fresh buffer per record, as a sink hands each record's bytes to Kafka.
				if _, err := codec.Encode(nil, r.row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
)

// Verification compares a query's sink records with the rows an independent Go
// computation derives from the same generated events. Rows are compared as sorted
// canonical strings: a multiset comparison, since records from several partitions
// arrive in no defined order.

// eventSource regenerates the events of a topic.
type eventSource struct {
	gen *generator
	n   int64
}

func (s eventSource) each(fn func(e *Event)) {
	var e Event
	for id := int64(0); id < s.n; id++ {
		s.gen.event(id, &e)
		fn(&e)
	}
}

func bidRow(b *Bid, price string) string {
	return fmt.Sprintf("%d|%d|%s|%d|%s", b.Auction, b.Bidder, price, b.DateTime, b.Extra)
}

func expectQ0(evs eventSource) []string {
	var out []string
	evs.each(func(e *Event) {
		if e.Bid != nil {
			out = append(out, bidRow(e.Bid, strconv.FormatInt(e.Bid.Price, 10)))
		}
	})
	return out
}

func expectQ1(evs eventSource) []string {
	var out []string
	evs.each(func(e *Event) {
		if e.Bid != nil {
			out = append(out, bidRow(e.Bid, big.NewRat(e.Bid.Price*908, 1000).RatString()))
		}
	})
	return out
}

func expectQ2(evs eventSource) []string {
	var out []string
	evs.each(func(e *Event) {
		if e.Bid != nil && e.Bid.Auction%123 == 0 {
			out = append(out, fmt.Sprintf("%d|%d", e.Bid.Auction, e.Bid.Price))
		}
	})
	return out
}

// sinkBid is a q0/q1 sink value; the engine writes upper-case column names.
type sinkBid struct {
	Auction  *int64      `json:"AUCTION"`
	Bidder   *int64      `json:"BIDDER"`
	Price    json.Number `json:"PRICE"`
	DateTime *int64      `json:"DATETIME"`
	Extra    *string     `json:"EXTRA"`
}

func decodeSink(value []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(value))
	d.UseNumber()
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func rowQ0(value []byte) (string, error) {
	var s sinkBid
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Auction == nil || s.Bidder == nil || s.DateTime == nil || s.Extra == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	if _, err := s.Price.Int64(); err != nil {
		return "", fmt.Errorf("PRICE is not a BIGINT in %s", value)
	}
	return bidRow(&Bid{Auction: *s.Auction, Bidder: *s.Bidder, DateTime: *s.DateTime, Extra: *s.Extra}, s.Price.String()), nil
}

func rowQ1(value []byte) (string, error) {
	var s sinkBid
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Auction == nil || s.Bidder == nil || s.DateTime == nil || s.Extra == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	price, ok := new(big.Rat).SetString(s.Price.String())
	if !ok {
		return "", fmt.Errorf("PRICE is not a number in %s", value)
	}
	return bidRow(&Bid{Auction: *s.Auction, Bidder: *s.Bidder, DateTime: *s.DateTime, Extra: *s.Extra}, price.RatString()), nil
}

func rowQ2(value []byte) (string, error) {
	var s struct {
		Auction *int64 `json:"AUCTION"`
		Price   *int64 `json:"PRICE"`
	}
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Auction == nil || s.Price == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return fmt.Sprintf("%d|%d", *s.Auction, *s.Price), nil
}

// compareRows reports the first differences between the expected and actual rows,
// or "" when they are the same multiset. Both slices are sorted in place.
func compareRows(want, got []string) string {
	slices.Sort(want)
	slices.Sort(got)
	if slices.Equal(want, got) {
		return ""
	}
	i, j, shown := 0, 0, 0
	var diff bytes.Buffer
	fmt.Fprintf(&diff, "expected %d rows, got %d", len(want), len(got))
	for (i < len(want) || j < len(got)) && shown < 3 {
		switch {
		case j >= len(got) || (i < len(want) && want[i] < got[j]):
			fmt.Fprintf(&diff, "; missing %q", want[i])
			i++
			shown++
		case i >= len(want) || got[j] < want[i]:
			fmt.Fprintf(&diff, "; unexpected %q", got[j])
			j++
			shown++
		default:
			i++
			j++
		}
	}
	return diff.String()
}

// expectQ8 pairs every auction with its seller's person record when their event
// times are at most 10 s apart: each such pair is joined once, whichever
// arrives second, so the result does not depend on the order of processing.
func expectQ8(evs eventSource) []string {
	type person struct {
		name string
		at   int64
	}
	persons := map[int64][]person{}
	var auctions []Auction
	evs.each(func(e *Event) {
		switch {
		case e.Person != nil:
			persons[e.Person.ID] = append(persons[e.Person.ID], person{e.Person.Name, e.Person.DateTime})
		case e.Auction != nil:
			auctions = append(auctions, *e.Auction)
		}
	})
	var out []string
	for _, a := range auctions {
		for _, p := range persons[a.Seller] {
			if d := a.DateTime - p.at; d >= -10_000 && d <= 10_000 {
				out = append(out, fmt.Sprintf("%d|%s|%d", a.Seller, p.name, p.at))
			}
		}
	}
	return out
}

func rowQ8(value []byte) (string, error) {
	var s struct {
		PID       *int64  `json:"PID"`
		Name      *string `json:"NAME"`
		StartTime *int64  `json:"STARTTIME"`
	}
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.PID == nil || s.Name == nil || s.StartTime == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return fmt.Sprintf("%d|%s|%d", *s.PID, *s.Name, *s.StartTime), nil
}

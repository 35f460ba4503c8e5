package main

import (
	"bytes"
	"encoding/binary"
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

func rowQ0(_, value []byte) (string, error) {
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

func rowQ1(_, value []byte) (string, error) {
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

func rowQ2(_, value []byte) (string, error) {
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

// finalState is a table changelog's final state: the last record of each key
// (a key's records are in one partition, in offset order), without the keys
// whose last record is a tombstone.
func finalState(recs []topicRecord) []topicRecord {
	last := map[string]int{}
	for i, r := range recs {
		last[string(r.key)] = i
	}
	var out []topicRecord
	for i, r := range recs {
		if last[string(r.key)] == i && r.value != nil {
			out = append(out, r)
		}
	}
	return out
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

func rowQ8(_, value []byte) (string, error) {
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

// The verification topic stamps event i with t0+i ms (run.go), so for the
// queries that depend on record time an event precedes another exactly when its
// id is smaller, and two events are d ms apart when their ids are d apart.

// eachID is each with the event ids.
func (s eventSource) eachID(fn func(id int64, e *Event)) {
	var e Event
	for id := int64(0); id < s.n; id++ {
		s.gen.event(id, &e)
		fn(id, &e)
	}
}

// expectQ3 is the stream-table join under its documented semantics: records
// are processed in timestamp order across the join's inputs, and an auction
// joins the person row the table holds when the auction is processed. Person
// ids are unique, so an auction of category 10 joins exactly when its seller's
// person event precedes it (a smaller id, hence an earlier record time; ids
// never tie) and that person's state is OR, ID or CA. An auction whose seller
// is generated later (the generator picks a few not-yet-generated persons)
// joins nothing, though Flink's unbounded stream-stream join would pair it.
func expectQ3(evs eventSource) []string {
	type person struct {
		name, city, state string
		at                int64 // event id
	}
	persons := map[int64]person{}
	type auction struct {
		a  Auction
		at int64
	}
	var auctions []auction
	evs.eachID(func(id int64, e *Event) {
		switch {
		case e.Person != nil:
			persons[e.Person.ID] = person{e.Person.Name, e.Person.City, e.Person.State, id}
		case e.Auction != nil && e.Auction.Category == 10:
			auctions = append(auctions, auction{*e.Auction, id})
		}
	})
	var out []string
	for _, a := range auctions {
		p, ok := persons[a.a.Seller]
		if !ok || p.at > a.at || (p.state != "OR" && p.state != "ID" && p.state != "CA") {
			continue
		}
		out = append(out, fmt.Sprintf("%d|%s|%s|%s|%d", a.a.Seller, p.name, p.city, p.state, a.a.ID))
	}
	return out
}

// kafkaBigint decodes a KAFKA-format BIGINT key (8 bytes, big-endian).
func kafkaBigint(key []byte) (int64, error) {
	if len(key) != 8 {
		return 0, fmt.Errorf("key %x is not a KAFKA BIGINT", key)
	}
	return int64(binary.BigEndian.Uint64(key)), nil
}

// rowQ3 renders a q3 record: the key is the seller (the join key).
func rowQ3(key, value []byte) (string, error) {
	seller, err := kafkaBigint(key)
	if err != nil {
		return "", err
	}
	var s struct {
		Name  *string `json:"NAME"`
		City  *string `json:"CITY"`
		State *string `json:"STATE"`
		ID    *int64  `json:"ID"`
	}
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Name == nil || s.City == nil || s.State == nil || s.ID == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return fmt.Sprintf("%d|%s|%s|%s|%d", seller, *s.Name, *s.City, *s.State, *s.ID), nil
}

// expectQ4 is the final state of the q4 table: per category, the average over
// its auctions of the highest bid joined to each. A bid joins its auction when
// their record times are at most 10 s apart (WITHIN, over record time: here ids
// at most 10,000 apart, which in this generator's data excludes nothing, since a
// bid names one of the last ~100 auctions, ~1,700 events back) and its dateTime
// is between the auction's dateTime and expires, both inclusive. An auction with
// no joined bid has no q4_final row and does not count. AVG of a BIGINT is a
// DOUBLE: the sum over the count, rendered in Go's shortest form.
func expectQ4(evs eventSource) []string {
	type auction struct {
		a  Auction
		at int64
	}
	auctions := map[int64]auction{}
	type bid struct {
		b  Bid
		at int64
	}
	var bids []bid
	evs.eachID(func(id int64, e *Event) {
		switch {
		case e.Auction != nil:
			auctions[e.Auction.ID] = auction{*e.Auction, id}
		case e.Bid != nil:
			bids = append(bids, bid{*e.Bid, id})
		}
	})
	final := map[int64]int64{}
	for _, b := range bids {
		a, ok := auctions[b.b.Auction]
		if !ok || b.at-a.at > 10_000 || a.at-b.at > 10_000 ||
			b.b.DateTime < a.a.DateTime || b.b.DateTime > a.a.Expires {
			continue
		}
		if m, ok := final[a.a.ID]; !ok || b.b.Price > m {
			final[a.a.ID] = b.b.Price
		}
	}
	sum, count := map[int64]int64{}, map[int64]int64{}
	for id, price := range final {
		c := auctions[id].a.Category
		sum[c] += price
		count[c]++
	}
	var out []string
	for c, s := range sum {
		out = append(out, fmt.Sprintf("%d|%s", c, strconv.FormatFloat(float64(s)/float64(count[c]), 'g', -1, 64)))
	}
	return out
}

// rowQ4 renders a q4 record: the JSON key is the category, the value's
// AVG_FINAL a DOUBLE, canonicalized through float64 (the engine may write
// 1.5E7 where Go writes 1.5e+07).
func rowQ4(key, value []byte) (string, error) {
	// The key is q4_final's key format, KAFKA: a BIGINT is 8 bytes big-endian.
	if len(key) != 8 {
		return "", fmt.Errorf("key %q is not a KAFKA BIGINT", key)
	}
	category := int64(binary.BigEndian.Uint64(key))
	var s struct {
		Avg *float64 `json:"AVG_FINAL"`
	}
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Avg == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return fmt.Sprintf("%d|%s", category, strconv.FormatFloat(*s.Avg, 'g', -1, 64)), nil
}

// The windowed queries close a window (EMIT FINAL) when stream time, the
// largest event time their aggregation has seen, reaches the window's end plus
// the 4 s grace period; the verification for them runs over one partition, where
// that is the largest bid dateTime of the topic, and their events arrive in
// event-time order, so no bid is late for its windows.
const windowGrace = 4_000

// windowClosedBy reports whether a window [start, start+size) closes by stream
// time t.
func windowClosedBy(start, size, t int64) bool { return start+size+windowGrace <= t }

// expectQ5 is, for every hopping window (10 s, advancing by 2 s, starts at
// multiples of 2 s) that has closed except the last (the maximum of a start is
// emitted when the counts of a later start arrive), the auctions with the most
// bids in it, with that count.
func expectQ5(evs eventSource) []string {
	const size, adv = 10_000, 2_000
	type key struct{ auction, start int64 }
	counts := map[key]int64{}
	var last int64
	evs.each(func(e *Event) {
		if e.Bid == nil {
			return
		}
		t := e.Bid.DateTime
		last = max(last, t)
		for start := max(0, t-size+adv) / adv * adv; start <= t; start += adv {
			counts[key{e.Bid.Auction, start}]++
		}
	})
	maxN := map[int64]int64{}
	lastClosed := int64(-1)
	for k, n := range counts {
		if windowClosedBy(k.start, size, last) {
			maxN[k.start] = max(maxN[k.start], n)
			lastClosed = max(lastClosed, k.start)
		}
	}
	var out []string
	for k, n := range counts {
		if m, ok := maxN[k.start]; ok && n == m && k.start < lastClosed {
			out = append(out, fmt.Sprintf("%d|%d|%d", k.auction, k.start, n))
		}
	}
	return out
}

// rowQ5 renders a q5 record: the key is the window start (the join key).
func rowQ5(key, value []byte) (string, error) {
	start, err := kafkaBigint(key)
	if err != nil {
		return "", err
	}
	var v struct {
		Aid *int64 `json:"AID"`
		Num *int64 `json:"NUM"`
	}
	if err := decodeSink(value, &v); err != nil {
		return "", err
	}
	if v.Aid == nil || v.Num == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return fmt.Sprintf("%d|%d|%d", *v.Aid, start, *v.Num), nil
}

// expectQ7 is every bid whose price is the highest of its tumbling 10 s
// window, for the windows that have closed.
func expectQ7(evs eventSource) []string {
	const size = 10_000
	var bids []Bid
	maxPrice := map[int64]int64{}
	var last int64
	evs.each(func(e *Event) {
		if e.Bid == nil {
			return
		}
		bids = append(bids, *e.Bid)
		start := e.Bid.DateTime / size * size
		maxPrice[start] = max(maxPrice[start], e.Bid.Price)
		last = max(last, e.Bid.DateTime)
	})
	var out []string
	for i := range bids {
		b := &bids[i]
		start := b.DateTime / size * size
		if windowClosedBy(start, size, last) && b.Price == maxPrice[start] {
			out = append(out, bidRow(b, strconv.FormatInt(b.Price, 10)))
		}
	}
	return out
}

// rowQ7 renders a q7 record: the key is the price (the join key).
func rowQ7(key, value []byte) (string, error) {
	price, err := kafkaBigint(key)
	if err != nil {
		return "", err
	}
	var s struct {
		Auction  *int64  `json:"AUCTION"`
		Bidder   *int64  `json:"BIDDER"`
		DateTime *int64  `json:"DATETIME"`
		Extra    *string `json:"EXTRA"`
	}
	if err := decodeSink(value, &s); err != nil {
		return "", err
	}
	if s.Auction == nil || s.Bidder == nil || s.DateTime == nil || s.Extra == nil {
		return "", fmt.Errorf("missing field in %s", value)
	}
	return bidRow(&Bid{Auction: *s.Auction, Bidder: *s.Bidder, DateTime: *s.DateTime, Extra: *s.Extra}, strconv.FormatInt(price, 10)), nil
}

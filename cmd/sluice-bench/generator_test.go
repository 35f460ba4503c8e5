package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestGeneratorRules pins the generator's deterministic parts: proportions per
// 50-event epoch, ids, event time, and JSON that round-trips through encoding/json.
func TestGeneratorRules(t *testing.T) {
	g := &generator{tps: 10_000_000}
	counts := map[int]int{}
	var e, again, decoded Event
	for id := int64(0); id < 5000; id++ {
		g.event(id, &e)
		counts[e.EventType]++
		g.event(id, &again)
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("event %d is not deterministic", id)
		}
		decoded = Event{}
		if err := json.Unmarshal(appendEventJSON(nil, &e), &decoded); err != nil {
			t.Fatalf("event %d: %v", id, err)
		}
		if !reflect.DeepEqual(e, decoded) {
			t.Fatalf("event %d does not round-trip: %+v vs %+v", id, e, decoded)
		}
		switch e.EventType {
		case eventPerson:
			if want := id/50 + firstPersonID; e.Person.ID != want {
				t.Fatalf("person id %d, want %d", e.Person.ID, want)
			}
		case eventAuction:
			if want := id/50*3 + id%50 - 1 + firstAuctionID; e.Auction.ID != want {
				t.Fatalf("auction id %d, want %d", e.Auction.ID, want)
			}
			if e.Auction.Category < 10 || e.Auction.Category >= 15 {
				t.Fatalf("category %d", e.Auction.Category)
			}
		case eventBid:
			if e.Bid.Price < 100 || e.Bid.Price > 100_000_000 {
				t.Fatalf("price %d", e.Bid.Price)
			}
			if e.Bid.DateTime != baseTime+id/10_000 {
				t.Fatalf("dateTime %d", e.Bid.DateTime)
			}
		}
	}
	if counts[eventPerson] != 100 || counts[eventAuction] != 300 || counts[eventBid] != 4600 {
		t.Errorf("proportions %v, want 100/300/4600", counts)
	}
}

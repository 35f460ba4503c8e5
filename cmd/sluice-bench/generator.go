package main

import (
	"math"
	"strconv"
)

// The Nexmark generator: a Go port of the rules of nexmark/nexmark's Flink generator
// (GeneratorConfig, PersonGenerator, AuctionGenerator, BidGenerator) as summarized
// in nexmark.md §1.2. Every event is a pure function of its id: the random source
// is seeded by the id, so any range of events can be regenerated (in parallel, or by
// the verifier) and compared.
//
// Departures from the Java code, kept deliberately small:
//   - the random source is splitmix64, not java.util.Random, so individual values
//     differ from Flink's; the distributions (proportions, hot keys, log-uniform
//     prices, padding sizes) follow the rules;
//   - dateTime and expires are epoch milliseconds (JSON numbers), which Sluice's
//     TIMESTAMP columns read; Flink's JSON format writes "yyyy-MM-dd HH:mm:ss.SSS".

// Generator constants (GeneratorConfig / NexmarkConfiguration defaults).
const (
	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	totalProportion   = personProportion + auctionProportion + bidProportion

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	hotAuctionRatio = 2
	hotSellersRatio = 4
	hotBiddersRatio = 4
	hotBatch        = 100 // HOT_AUCTION_RATIO / HOT_SELLER_RATIO / HOT_BIDDER_RATIO batch size

	numInFlightAuctions = 100
	numActivePeople     = 1000
	auctionIDLead       = 10
	personIDLead        = 10

	channelsNumber = 10000

	avgPersonBytes  = 200
	avgAuctionBytes = 500
	avgBidBytes     = 100

	// baseTime is the event time of event 0: 2015-07-15 00:00:00 UTC, as Flink's
	// generator uses by default.
	baseTime = 1436918400000
)

// Event types, as the ddl_kafka.sql layout numbers them.
const (
	eventPerson  = 0
	eventAuction = 1
	eventBid     = 2
)

var (
	usStates   = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannel = []string{"Google", "Facebook", "Baidu", "Apple"}
	hotURL     = []string{
		"https://www.nexmark.com/googl/item.htm?query=1",
		"https://www.nexmark.com/faceb/item.htm?query=1",
		"https://www.nexmark.com/baidu/item.htm?query=1",
		"https://www.nexmark.com/apple/item.htm?query=1",
	}
)

// Person, Auction and Bid are the Nexmark entities. Times are epoch milliseconds.
type Person struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	EmailAddress string `json:"emailAddress"`
	CreditCard   string `json:"creditCard"`
	City         string `json:"city"`
	State        string `json:"state"`
	DateTime     int64  `json:"dateTime"`
	Extra        string `json:"extra"`
}

type Auction struct {
	ID          int64  `json:"id"`
	ItemName    string `json:"itemName"`
	Description string `json:"description"`
	InitialBid  int64  `json:"initialBid"`
	Reserve     int64  `json:"reserve"`
	DateTime    int64  `json:"dateTime"`
	Expires     int64  `json:"expires"`
	Seller      int64  `json:"seller"`
	Category    int64  `json:"category"`
	Extra       string `json:"extra"`
}

type Bid struct {
	Auction  int64  `json:"auction"`
	Bidder   int64  `json:"bidder"`
	Price    int64  `json:"price"`
	Channel  string `json:"channel"`
	URL      string `json:"url"`
	DateTime int64  `json:"dateTime"`
	Extra    string `json:"extra"`
}

// Event is one row of the single-topic layout: exactly one of Person, Auction, Bid
// is set, as EventType says. B1 decodes into this struct with encoding/json.
type Event struct {
	EventType int      `json:"event_type"`
	Person    *Person  `json:"person"`
	Auction   *Auction `json:"auction"`
	Bid       *Bid     `json:"bid"`
}

// generator produces events for one configuration. It is safe for concurrent use:
// it holds only constants.
type generator struct {
	// tps is the event-time rate: events per second of event time (Flink's
	// first-event.rate with one generator; the Flink suite uses 10M).
	tps int64
}

// rng is splitmix64: tiny, fast, and good enough for workload shapes.
type rng struct{ s uint64 }

func newRNG(eventID int64) rng {
	return rng{s: uint64(eventID)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019}
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a uniform value in [0, n); n > 0.
func (r *rng) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// timestamp is the event time of event id.
func (g *generator) timestamp(id int64) int64 { return baseTime + id*1000/g.tps }

// kindOf is the entity an event id generates.
func kindOf(id int64) int {
	switch rem := id % totalProportion; {
	case rem < personProportion:
		return eventPerson
	case rem < personProportion+auctionProportion:
		return eventAuction
	}
	return eventBid
}

// lastBase0PersonID is the id (from 0) of the last person generated at or before id.
func lastBase0PersonID(id int64) int64 {
	epoch, offset := id/totalProportion, id%totalProportion
	if offset >= personProportion {
		offset = personProportion - 1
	}
	return epoch*personProportion + offset
}

// lastBase0AuctionID is the id (from 0) of the last auction generated at or before id.
func lastBase0AuctionID(id int64) int64 {
	epoch, offset := id/totalProportion, id%totalProportion
	switch {
	case offset < personProportion:
		epoch--
		offset = auctionProportion - 1
	case offset >= personProportion+auctionProportion:
		offset = auctionProportion - 1
	default:
		offset -= personProportion
	}
	return epoch*auctionProportion + offset
}

// nextBase0PersonID picks a random active person, a few of them not yet generated.
func nextBase0PersonID(id int64, r *rng) int64 {
	numPeople := lastBase0PersonID(id) + 1
	active := min(numPeople, numActivePeople)
	return numPeople - active + r.intn(active+personIDLead)
}

// nextBase0AuctionID picks a random in-flight auction, a few of them not yet generated.
func nextBase0AuctionID(id int64, r *rng) int64 {
	maxAuction := lastBase0AuctionID(id)
	minAuction := max(maxAuction-numInFlightAuctions, 0)
	return minAuction + r.intn(maxAuction-minAuction+1+auctionIDLead)
}

// nextPrice is log-uniform from 100 to 10^8 cents.
func nextPrice(r *rng) int64 { return int64(math.Round(math.Pow(10, r.float()*6) * 100)) }

// nextString is up to maxLen letters, a space with probability 1/13.
func nextString(r *rng, maxLen int) string {
	n := 1 + int(r.intn(int64(maxLen)))
	return exactString(r, n)
}

func exactString(r *rng, n int) string {
	b := make([]byte, n)
	for i := range b {
		if r.intn(13) == 0 {
			b[i] = ' '
		} else {
			b[i] = byte('a' + r.intn(26))
		}
	}
	return string(b)
}

// nextExtra pads an entity of currentSize bytes towards desired bytes on average,
// within ±20%.
func nextExtra(r *rng, currentSize, desired int) string {
	if currentSize > desired {
		return ""
	}
	desired -= currentSize
	delta := int(math.Round(float64(desired) * 0.2))
	size := desired - delta + int(r.intn(int64(2*delta+1)))
	return exactString(r, size)
}

// event generates event id into e (reusing its entity structs).
func (g *generator) event(id int64, e *Event) {
	r := newRNG(id)
	ts := g.timestamp(id)
	e.Person, e.Auction, e.Bid = nil, nil, nil
	switch e.EventType = kindOf(id); e.EventType {
	case eventPerson:
		e.Person = g.person(id, ts, &r)
	case eventAuction:
		e.Auction = g.auction(id, ts, &r)
	default:
		e.Bid = g.bid(id, ts, &r)
	}
}

func (g *generator) person(id, ts int64, r *rng) *Person {
	p := &Person{ID: lastBase0PersonID(id) + firstPersonID, DateTime: ts}
	p.Name = firstNames[r.intn(int64(len(firstNames)))] + " " + lastNames[r.intn(int64(len(lastNames)))]
	p.EmailAddress = nextString(r, 7) + "@" + nextString(r, 5) + ".com"
	p.CreditCard = strconv.FormatInt(1000+r.intn(9000), 10) + " " + strconv.FormatInt(1000+r.intn(9000), 10) +
		" " + strconv.FormatInt(1000+r.intn(9000), 10) + " " + strconv.FormatInt(1000+r.intn(9000), 10)
	p.City = usCities[r.intn(int64(len(usCities)))]
	p.State = usStates[r.intn(int64(len(usStates)))]
	size := 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State) + 8
	p.Extra = nextExtra(r, size, avgPersonBytes)
	return p
}

func (g *generator) auction(id, ts int64, r *rng) *Auction {
	a := &Auction{ID: lastBase0AuctionID(id) + firstAuctionID, DateTime: ts}
	if r.intn(hotSellersRatio) > 0 {
		a.Seller = (lastBase0PersonID(id) / hotBatch) * hotBatch
	} else {
		a.Seller = nextBase0PersonID(id, r)
	}
	a.Seller += firstPersonID
	a.Category = firstCategoryID + r.intn(numCategories)
	a.ItemName = nextString(r, 20)
	a.Description = nextString(r, 100)
	a.InitialBid = nextPrice(r)
	a.Reserve = a.InitialBid + nextPrice(r)
	// The horizon is the event time in which numInFlightAuctions more auctions are
	// generated; an auction lasts up to twice that.
	horizon := max(numInFlightAuctions*totalProportion/auctionProportion*1000/g.tps, 1)
	a.Expires = ts + 1 + r.intn(2*horizon)
	size := 8 + len(a.ItemName) + len(a.Description) + 8 + 8 + 8 + 8 + 8
	a.Extra = nextExtra(r, size, avgAuctionBytes)
	return a
}

func (g *generator) bid(id, ts int64, r *rng) *Bid {
	b := &Bid{DateTime: ts}
	if r.intn(hotAuctionRatio) > 0 {
		b.Auction = (lastBase0AuctionID(id) / hotBatch) * hotBatch
	} else {
		b.Auction = nextBase0AuctionID(id, r)
	}
	b.Auction += firstAuctionID
	if r.intn(hotBiddersRatio) > 0 {
		b.Bidder = (lastBase0PersonID(id)/hotBatch)*hotBatch + 1
	} else {
		b.Bidder = nextBase0PersonID(id, r)
	}
	// The Flink port adds FIRST_PERSON_ID twice (nexmark.md §1.2); kept for fidelity.
	b.Bidder += 2 * firstPersonID
	b.Price = nextPrice(r)
	if r.intn(2) == 0 {
		i := r.intn(int64(len(hotChannel)))
		b.Channel, b.URL = hotChannel[i], hotURL[i]
	} else {
		c := r.intn(channelsNumber)
		b.Channel = "channel-" + strconv.FormatInt(c, 10)
		b.URL = "https://www.nexmark.com/" + nextString(r, 5) + "/item.htm?query=1"
		if r.intn(10) > 0 {
			b.URL += "&channel_id=" + strconv.FormatInt(c, 10)
		}
	}
	b.Extra = nextExtra(r, 8*4, avgBidBytes)
	return b
}

// appendEventJSON writes e in the ddl_kafka.sql layout: {"event_type":n,
// "person":..., "auction":..., "bid":...}, absent entities as null.
func appendEventJSON(dst []byte, e *Event) []byte {
	dst = append(dst, `{"event_type":`...)
	dst = strconv.AppendInt(dst, int64(e.EventType), 10)
	dst = append(dst, `,"person":`...)
	if p := e.Person; p != nil {
		dst = appendField(dst, '{', "id", p.ID)
		dst = appendStrField(dst, "name", p.Name)
		dst = appendStrField(dst, "emailAddress", p.EmailAddress)
		dst = appendStrField(dst, "creditCard", p.CreditCard)
		dst = appendStrField(dst, "city", p.City)
		dst = appendStrField(dst, "state", p.State)
		dst = appendField(dst, ',', "dateTime", p.DateTime)
		dst = appendStrField(dst, "extra", p.Extra)
		dst = append(dst, '}')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"auction":`...)
	if a := e.Auction; a != nil {
		dst = appendField(dst, '{', "id", a.ID)
		dst = appendStrField(dst, "itemName", a.ItemName)
		dst = appendStrField(dst, "description", a.Description)
		dst = appendField(dst, ',', "initialBid", a.InitialBid)
		dst = appendField(dst, ',', "reserve", a.Reserve)
		dst = appendField(dst, ',', "dateTime", a.DateTime)
		dst = appendField(dst, ',', "expires", a.Expires)
		dst = appendField(dst, ',', "seller", a.Seller)
		dst = appendField(dst, ',', "category", a.Category)
		dst = appendStrField(dst, "extra", a.Extra)
		dst = append(dst, '}')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"bid":`...)
	if b := e.Bid; b != nil {
		dst = appendField(dst, '{', "auction", b.Auction)
		dst = appendField(dst, ',', "bidder", b.Bidder)
		dst = appendField(dst, ',', "price", b.Price)
		dst = appendStrField(dst, "channel", b.Channel)
		dst = appendStrField(dst, "url", b.URL)
		dst = appendField(dst, ',', "dateTime", b.DateTime)
		dst = appendStrField(dst, "extra", b.Extra)
		dst = append(dst, '}')
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

func appendField(dst []byte, sep byte, name string, v int64) []byte {
	dst = append(dst, sep, '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, v, 10)
}

// appendStrField writes a string field; generated strings need no escaping
// (letters, digits, spaces and URL punctuation only).
func appendStrField(dst []byte, name, v string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':', '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

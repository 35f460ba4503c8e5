package bicorpus

import (
	"context"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/types"
)

// The fixture: a stream of orders, a materialized table of per-district totals,
// a source table of customers and a windowed table of per-minute counts, with
// the same rows in PostgreSQL (pgSchema) and in memory for Sluice (relations).

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ts(s string) types.Timestamp {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return types.Timestamp(t.UnixMilli())
}

func date(s string) types.Date {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return types.Date(t.Unix() / 86400)
}

type order struct {
	id       int64
	district string
	customer string
	amount   string
	qty      int32
	price    float64
	created  string
	express  bool
}

var orders = []order{
	{1, "north", "c1", "12.50", 1, 12.5, "2026-12-06 10:00:05", false},
	{2, "south", "c2", "7.25", 2, 3.625, "2026-12-06 10:00:40", true},
	{3, "north", "c3", "30.00", 3, 10, "2026-12-06 10:01:10", false},
	{4, "east", "c1", "4.75", 1, 4.75, "2026-12-06 10:02:15", true},
	{5, "north", "c2", "19.99", 4, 4.9975, "2026-12-06 10:02:59", false},
	{6, "west", "c4", "100.00", 10, 10, "2026-12-06 11:15:00", false},
	{7, "south", "c5", "0.99", 1, 0.99, "2026-12-07 09:30:00", true},
	{8, "east", "c3", "55.10", 5, 11.02, "2026-12-07 23:59:59", false},
	{9, "", "c6", "3.00", 3, 1, "2026-12-08 00:00:00", false},
	{10, "North", "c1", "8.40", 2, 4.2, "2026-12-08 12:34:56", true},
}

type customer struct {
	id, name, city string
	signup         string
	vip            bool
	score          *int32
}

func i32(v int32) *int32 { return &v }

var customers = []customer{
	{"c1", "Ann Lee", "Oslo", "2025-01-15", true, i32(90)},
	{"c2", "Bob Stone", "Bergen", "2025-03-02", false, i32(40)},
	{"c3", "Cleo Park", "Oslo", "2025-07-30", false, nil},
	{"c4", "Dan O'Neil", "Tromsø", "2026-02-11", true, i32(75)},
	{"c5", "eve adams", "bergen", "2026-11-30", false, i32(10)},
}

// pgSchema is the fixture as PostgreSQL DDL and rows.
func pgSchema() string {
	s := `CREATE TABLE orders (id bigint, district text, customer text, amount numeric(10,2), qty integer, price double precision, created_at timestamp, express boolean);
CREATE TABLE district_totals (district text PRIMARY KEY, n bigint, total numeric(12,2), last_order timestamp);
CREATE TABLE customers (id text PRIMARY KEY, name text, city text, signup date, vip boolean, score integer);
CREATE TABLE per_minute (district text, windowstart bigint, windowend bigint, n bigint);
`
	for _, o := range orders {
		s += "INSERT INTO orders VALUES (" + itoa(o.id) + ", " + lit(o.district) + ", " + lit(o.customer) + ", " + o.amount + ", " + itoa(int64(o.qty)) + ", " + ftoa(o.price) + ", " + lit(o.created) + ", " + btoa(o.express) + ");\n"
	}
	for _, t := range totals() {
		s += "INSERT INTO district_totals VALUES (" + lit(t.district) + ", " + itoa(t.n) + ", " + t.total.String() + ", " + lit(t.last) + ");\n"
	}
	for _, c := range customers {
		score := "NULL"
		if c.score != nil {
			score = itoa(int64(*c.score))
		}
		s += "INSERT INTO customers VALUES (" + lit(c.id) + ", " + lit(c.name) + ", " + lit(c.city) + ", " + lit(c.signup) + ", " + btoa(c.vip) + ", " + score + ");\n"
	}
	for _, m := range perMinute() {
		s += "INSERT INTO per_minute VALUES (" + lit(m.district) + ", " + itoa(m.start) + ", " + itoa(m.start+60000) + ", " + itoa(m.n) + ");\n"
	}
	return s
}

type total struct {
	district string
	n        int64
	total    *apd.Decimal
	last     string
}

// totals is what CREATE TABLE district_totals AS SELECT district, COUNT(*),
// SUM(amount), MAX(created_at) ... GROUP BY district holds.
func totals() []total {
	by := map[string]*total{}
	var order []string
	for _, o := range orders {
		t, ok := by[o.district]
		if !ok {
			t = &total{district: o.district, total: dec("0.00")}
			by[o.district] = t
			order = append(order, o.district)
		}
		t.n++
		apd.BaseContext.WithPrecision(30).Add(t.total, t.total, dec(o.amount))
		if o.created > t.last {
			t.last = o.created
		}
	}
	out := make([]total, len(order))
	for i, d := range order {
		out[i] = *by[d]
	}
	return out
}

type minute struct {
	district string
	start    int64
	n        int64
}

func perMinute() []minute {
	by := map[[2]any]*minute{}
	var out []*minute
	for _, o := range orders {
		t := int64(ts(o.created))
		start := t - t%60000
		k := [2]any{o.district, start}
		m, ok := by[k]
		if !ok {
			m = &minute{district: o.district, start: start}
			by[k] = m
			out = append(out, m)
		}
		m.n++
	}
	res := make([]minute, len(out))
	for i, m := range out {
		res[i] = *m
	}
	return res
}

// relations are the fixture as Sluice sources, with their rows laid out as
// plan.InputLayout (columns, ROWTIME, ROWPARTITION, ROWOFFSET, window bounds).
type relations struct {
	srcs []*catalog.Source
	rows map[string][][]any
}

func newRelations() *relations {
	r := &relations{rows: map[string][][]any{}}
	r.srcs = []*catalog.Source{
		{Name: "ORDERS", Kind: catalog.Stream, Topic: "orders", KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1, Columns: []types.Column{
			{Name: "ID", Type: types.BigIntType, Role: types.KeyColumn},
			{Name: "DISTRICT", Type: types.StringType},
			{Name: "CUSTOMER", Type: types.StringType},
			{Name: "AMOUNT", Type: types.NewDecimal(10, 2)},
			{Name: "QTY", Type: types.IntType},
			{Name: "PRICE", Type: types.DoubleType},
			{Name: "CREATED_AT", Type: types.TimestampType},
			{Name: "EXPRESS", Type: types.BooleanType},
		}},
		{Name: "DISTRICT_TOTALS", Kind: catalog.Table, Topic: "DISTRICT_TOTALS", KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1, Columns: []types.Column{
			{Name: "DISTRICT", Type: types.StringType, Role: types.KeyColumn},
			{Name: "N", Type: types.BigIntType},
			{Name: "TOTAL", Type: types.NewDecimal(12, 2)},
			{Name: "LAST_ORDER", Type: types.TimestampType},
		}},
		{Name: "CUSTOMERS", Kind: catalog.Table, Topic: "customers", KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1, IsSource: true, Columns: []types.Column{
			{Name: "ID", Type: types.StringType, Role: types.KeyColumn},
			{Name: "NAME", Type: types.StringType},
			{Name: "CITY", Type: types.StringType},
			{Name: "SIGNUP", Type: types.DateType},
			{Name: "VIP", Type: types.BooleanType},
			{Name: "SCORE", Type: types.IntType},
		}},
		{Name: "PER_MINUTE", Kind: catalog.Table, Topic: "PER_MINUTE", KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1,
			Window: &catalog.Window{Kind: "TUMBLING", Size: time.Minute}, Columns: []types.Column{
				{Name: "DISTRICT", Type: types.StringType, Role: types.KeyColumn},
				{Name: "N", Type: types.BigIntType},
			}},
	}
	for i, o := range orders {
		r.rows["ORDERS"] = append(r.rows["ORDERS"], []any{o.id, o.district, o.customer, dec(o.amount), o.qty, o.price, ts(o.created), o.express, int64(ts(o.created)), int32(0), int64(i)})
	}
	for _, t := range totals() {
		r.rows["DISTRICT_TOTALS"] = append(r.rows["DISTRICT_TOTALS"], []any{t.district, t.n, t.total, ts(t.last), int64(ts(t.last)), int32(0), nil})
	}
	for _, c := range customers {
		var score any
		if c.score != nil {
			score = *c.score
		}
		r.rows["CUSTOMERS"] = append(r.rows["CUSTOMERS"], []any{c.id, c.name, c.city, date(c.signup), c.vip, score, int64(0), int32(0), nil})
	}
	for _, m := range perMinute() {
		r.rows["PER_MINUTE"] = append(r.rows["PER_MINUTE"], []any{m.district, m.n, m.start, int32(0), nil, m.start, m.start + 60000})
	}
	return r
}

func (r *relations) Sources() []*catalog.Source { return r.srcs }

func (r *relations) Queryable(*catalog.Source) bool { return true }

func (r *relations) ScanRelation(_ context.Context, src *catalog.Source, key []any, fn func(row []any) (bool, error)) error {
	for _, row := range r.rows[src.Name] {
		if key != nil && row[0] != key[0] {
			continue
		}
		if more, err := fn(append([]any(nil), row...)); err != nil || !more {
			return err
		}
	}
	return nil
}

package main

import (
	"strings"
)

// The Nexmark queries in Sluice's KSQL dialect.
//
// Source: one stream over the single JSON topic of nexmark/nexmark's ddl_kafka.sql,
// {event_type, person, auction, bid} with the entities as STRUCTs (sourceDDL).
// Unquoted struct field names are upper-cased (DATETIME), and JSON fields match
// them case-insensitively, as in ksqlDB; times are TIMESTAMP (epoch milliseconds).
//
// Forms used (ksqlDB has no subqueries and no table-valued window functions, so
// multi-level Flink queries become pipelines of persistent queries):
//
//	q0  CSAS projecting bid->* WHERE event_type = 2.
//	q1  as q0 with 0.908 * bid->price (DECIMAL(3,3) × BIGINT: an exact DECIMAL, as Flink's).
//	q2  CSAS ... WHERE event_type = 2 AND bid->auction % 123 = 0 (ksqlDB has % for MOD).
//	q3  person as a TABLE keyed by id (LATEST_BY_OFFSET), auctions re-keyed by seller,
//	    stream-table join; Flink's unbounded stream-stream join gives the same rows when
//	    every person precedes their auctions, which the generator nearly guarantees (a
//	    few auctions name a person generated later: the table join drops them). Verified
//	    on a one-partition topic (orderedVerify) as the join of each auction with the
//	    persons earlier in record time.
//	q4  bids and auctions re-keyed by auction id, stream-stream join WITHIN 10 SECONDS
//	    (record time), MAX(price) per auction as a table (GROUP BY the join key, with the
//	    auction's category as LATEST_BY_OFFSET: an auction has one category, so this is
//	    Flink's GROUP BY A.id, A.category without a repartition), then AVG per category;
//	    verified as the final state of the q4 changelog.
//	q5  bids with event time (TIMESTAMP='DATETIME'); COUNT(*) per auction per HOPPING
//	    window (10 s, advance 2 s, GRACE PERIOD 4 s: Flink's 4 s watermark delay), EMIT
//	    FINAL, with WINDOWSTART copied into the value. ksqlDB runs no persistent query
//	    over a windowed table and refuses to repartition a windowed source (qtt
//	    joins.json), so the counts' topic is declared again as a plain stream of its
//	    values (no key columns, the windowed key ignored) with TIMESTAMP='WSTART'. From
//	    it, MAX(num) per window start, EMIT FINAL over a TUMBLING 2 s window (one
//	    hopping start each; GRACE PERIOD 0: a window start's maximum is final when the
//	    counts of the next start arrive), declared again the same way; both re-keyed by
//	    the window start; a stream-stream join on it (WITHIN 1 SECOND: both sides are
//	    stamped with the start) WHERE num = the maximum. Each side has one final record
//	    per key and a stream-stream join pairs them in any order, so the result is the
//	    hot items of every closed window but the last (whose maximum waits for a later
//	    window). A foreign-key table join would give the last too, but Sluice runs
//	    those on one partition only.
//	q7  MAX(price) per TUMBLING 10 s window (GRACE PERIOD 4 s) over a constant key, EMIT
//	    FINAL, WINDOWSTART in the value; its topic declared again as a plain stream with
//	    TIMESTAMP='WSTART'; that and the bids both re-keyed by price; a stream-stream
//	    join WITHIN 10 SECONDS on price, WHERE the bid's time is in [wstart, wstart+10 s).
//	    A stream-stream join pairs whatever is within its bounds in any order, so the
//	    result is the bids at their closed window's maximum.
//	    Windows close only when event time passes their end plus grace: at the default
//	    -tps of 10M, 200,000 events span 20 ms of event time, and the measured q5 and q7
//	    close no window (their figures are the cost of the windowed aggregation and the
//	    stages behind it, with nothing reaching the sink). Verification generates at
//	    -verify-tps (200: 20,000 events over 100 s) so that windows close.
//	q8  persons and auctions with event time, stream-stream join WITHIN 10 SECONDS on
//	    id = seller (ksqlDB has no tumbling-window join; the WITHIN form is the
//	    ksqlDB idiom, and is wider than Flink's same-window condition).
//
// A query whose statements the engine refuses reports the error of the first one.

// benchQuery is one query: statements to run in order (in the templates, {src} is
// the source stream and {s} a suffix that keeps the names of one run apart), the
// statement whose sink is the result, and, for the queries that have one, the
// independent computation of the expected output.
type benchQuery struct {
	name  string
	stmts []string
	// sink is the result stream's name without the suffix.
	sink string
	// expect computes the expected rows, as canonical strings, from the events;
	// rowOf renders one sink record (key and value) the same way. nil: not
	// verifiable yet.
	expect func(evs eventSource) []string
	rowOf  func(key, value []byte) (string, error)
	// table is set when the sink is a table's changelog: what is compared is
	// its final state, the last record of each key with tombstones deleting.
	table bool
	// orderedVerify verifies over a one-partition topic: the query's result
	// depends on records being processed in timestamp order across its
	// stages (a stream-table join's lookups; which records are late for an
	// EMIT FINAL window), which the engine does only among the records of one
	// poll (as ksqlDB, which orders only within a task's buffered records). Over several
	// partitions every re-keying stage interleaves its input partitions in
	// poll-sized runs, so the intermediate topics are out of timestamp order and
	// the result depends on fetch sizes; over one partition every stage keeps
	// timestamp order and the documented semantics give one result.
	orderedVerify bool
	// stateless queries are reported as a ratio to B1, stateful ones to q0.
	stateless bool
	// eventTime is set for queries whose results carry the events' time as
	// their timestamp, from which no end-to-end latency can be taken.
	eventTime bool
}

// sourceDDL declares the event stream over a topic.
const sourceDDL = `CREATE STREAM {src} (
  event_type INT,
  person STRUCT<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR,
    state VARCHAR, dateTime TIMESTAMP, extra VARCHAR>,
  auction STRUCT<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
    dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR>,
  bid STRUCT<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
    dateTime TIMESTAMP, extra VARCHAR>
) WITH (KAFKA_TOPIC='{topic}', VALUE_FORMAT='JSON', PARTITIONS={partitions});`

func allQueries() []benchQuery {
	return []benchQuery{
		{
			name: "q0", sink: "q0", stateless: true,
			stmts: []string{`CREATE STREAM q0{s} AS SELECT bid->auction AS auction, bid->bidder AS bidder,
  bid->price AS price, bid->dateTime AS dateTime, bid->extra AS extra
  FROM {src} WHERE event_type = 2 EMIT CHANGES;`},
			expect: expectQ0, rowOf: rowQ0,
		},
		{
			name: "q1", sink: "q1", stateless: true,
			stmts: []string{`CREATE STREAM q1{s} AS SELECT bid->auction AS auction, bid->bidder AS bidder,
  0.908 * bid->price AS price, bid->dateTime AS dateTime, bid->extra AS extra
  FROM {src} WHERE event_type = 2 EMIT CHANGES;`},
			expect: expectQ1, rowOf: rowQ1,
		},
		{
			name: "q2", sink: "q2", stateless: true,
			stmts: []string{`CREATE STREAM q2{s} AS SELECT bid->auction AS auction, bid->price AS price
  FROM {src} WHERE event_type = 2 AND bid->auction % 123 = 0 EMIT CHANGES;`},
			expect: expectQ2, rowOf: rowQ2,
		},
		{
			name: "q3", sink: "q3",
			stmts: []string{
				`CREATE TABLE q3_person{s} AS SELECT person->id AS id, LATEST_BY_OFFSET(person->name) AS name,
  LATEST_BY_OFFSET(person->city) AS city, LATEST_BY_OFFSET(person->state) AS state
  FROM {src} WHERE event_type = 0 GROUP BY person->id EMIT CHANGES;`,
				`CREATE STREAM q3_auction{s} AS SELECT auction->id AS id, auction->seller AS seller,
  auction->category AS category FROM {src} WHERE event_type = 1 PARTITION BY auction->seller EMIT CHANGES;`,
				`CREATE STREAM q3{s} AS SELECT A.seller AS seller, P.name AS name, P.city AS city, P.state AS state, A.id AS id
  FROM q3_auction{s} A JOIN q3_person{s} P ON A.seller = P.id
  WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA') EMIT CHANGES;`,
			},
			expect: expectQ3, rowOf: rowQ3, orderedVerify: true,
		},
		{
			name: "q4", sink: "q4",
			stmts: []string{
				`CREATE STREAM q4_bid{s} AS SELECT bid->auction AS auction, bid->price AS price,
  bid->dateTime AS dateTime FROM {src} WHERE event_type = 2 PARTITION BY bid->auction EMIT CHANGES;`,
				`CREATE STREAM q4_auction{s} AS SELECT auction->id AS id, auction->category AS category,
  auction->dateTime AS dateTime, auction->expires AS expires
  FROM {src} WHERE event_type = 1 PARTITION BY auction->id EMIT CHANGES;`,
				`CREATE TABLE q4_final{s} AS SELECT A.id AS id, LATEST_BY_OFFSET(A.category) AS category, MAX(B.price) AS final
  FROM q4_auction{s} A JOIN q4_bid{s} B WITHIN 10 SECONDS ON A.id = B.auction
  WHERE B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id EMIT CHANGES;`,
				`CREATE TABLE q4{s} AS SELECT category, AVG(final) AS avg_final FROM q4_final{s}
  GROUP BY category EMIT CHANGES;`,
			},
			expect: expectQ4, rowOf: rowQ4, table: true,
		},
		{
			name: "q5", sink: "q5", eventTime: true, orderedVerify: true,
			stmts: []string{
				`CREATE STREAM q5_bid{s} WITH (TIMESTAMP='DATETIME') AS SELECT bid->auction AS auction,
  bid->dateTime AS dateTime FROM {src} WHERE event_type = 2 EMIT CHANGES;`,
				`CREATE TABLE q5_count{s} AS SELECT auction, AS_VALUE(auction) AS aid, WINDOWSTART AS wstart,
  COUNT(*) AS num FROM q5_bid{s} WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS, GRACE PERIOD 4 SECONDS)
  GROUP BY auction EMIT FINAL;`,
				`CREATE STREAM q5_counts{s} (aid BIGINT, wstart BIGINT, num BIGINT)
  WITH (KAFKA_TOPIC='Q5_COUNT{S}', VALUE_FORMAT='JSON', TIMESTAMP='WSTART');`,
				`CREATE TABLE q5_max{s} AS SELECT wstart, AS_VALUE(wstart) AS ws, MAX(num) AS maxn FROM q5_counts{s}
  WINDOW TUMBLING (SIZE 2 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY wstart EMIT FINAL;`,
				`CREATE STREAM q5_maxs{s} (ws BIGINT, maxn BIGINT)
  WITH (KAFKA_TOPIC='Q5_MAX{S}', VALUE_FORMAT='JSON', TIMESTAMP='WS');`,
				`CREATE STREAM q5_maxp{s} AS SELECT ws, maxn FROM q5_maxs{s} PARTITION BY ws EMIT CHANGES;`,
				`CREATE STREAM q5_countp{s} AS SELECT wstart, aid, num FROM q5_counts{s} PARTITION BY wstart EMIT CHANGES;`,
				`CREATE STREAM q5{s} AS SELECT C.wstart AS wstart, C.aid AS aid, C.num AS num
  FROM q5_maxp{s} M JOIN q5_countp{s} C WITHIN 1 SECOND ON M.ws = C.wstart WHERE C.num = M.maxn EMIT CHANGES;`,
			},
			expect: expectQ5, rowOf: rowQ5,
		},
		{
			name: "q7", sink: "q7", eventTime: true, orderedVerify: true,
			stmts: []string{
				`CREATE STREAM q7_bid{s} WITH (TIMESTAMP='DATETIME') AS SELECT bid->auction AS auction,
  bid->price AS price, bid->bidder AS bidder, bid->dateTime AS dateTime, bid->extra AS extra
  FROM {src} WHERE event_type = 2 EMIT CHANGES;`,
				`CREATE TABLE q7_max{s} AS SELECT 1 AS k, WINDOWSTART AS wstart, MAX(price) AS maxprice FROM q7_bid{s}
  WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 4 SECONDS) GROUP BY 1 EMIT FINAL;`,
				`CREATE STREAM q7_maxs{s} (wstart BIGINT, maxprice BIGINT)
  WITH (KAFKA_TOPIC='Q7_MAX{S}', VALUE_FORMAT='JSON', TIMESTAMP='WSTART');`,
				`CREATE STREAM q7_maxp{s} AS SELECT maxprice, wstart FROM q7_maxs{s} PARTITION BY maxprice EMIT CHANGES;`,
				`CREATE STREAM q7_bidp{s} AS SELECT price, auction, bidder, dateTime, extra FROM q7_bid{s}
  PARTITION BY price EMIT CHANGES;`,
				`CREATE STREAM q7{s} AS SELECT B.price AS price, B.auction AS auction, B.bidder AS bidder,
  B.dateTime AS dateTime, B.extra AS extra FROM q7_maxp{s} M JOIN q7_bidp{s} B WITHIN 10 SECONDS
  ON M.maxprice = B.price WHERE UNIX_TIMESTAMP(B.dateTime) >= M.wstart
  AND UNIX_TIMESTAMP(B.dateTime) < M.wstart + 10000 EMIT CHANGES;`,
			},
			expect: expectQ7, rowOf: rowQ7,
		},
		{
			name: "q8", sink: "q8", eventTime: true,
			stmts: []string{
				`CREATE STREAM q8_person{s} WITH (TIMESTAMP='DATETIME') AS SELECT person->id AS id,
  person->name AS name, person->dateTime AS dateTime FROM {src} WHERE event_type = 0
  PARTITION BY person->id EMIT CHANGES;`,
				`CREATE STREAM q8_auction{s} WITH (TIMESTAMP='DATETIME') AS SELECT auction->seller AS seller,
  auction->dateTime AS dateTime FROM {src} WHERE event_type = 1 PARTITION BY auction->seller EMIT CHANGES;`,
				`CREATE STREAM q8{s} AS SELECT P.id AS id, AS_VALUE(P.id) AS pid, P.name AS name, P.dateTime AS starttime
  FROM q8_person{s} P JOIN q8_auction{s} A WITHIN 10 SECONDS ON P.id = A.seller EMIT CHANGES;`,
			},
			expect: expectQ8, rowOf: rowQ8,
		},
	}
}

// render substitutes the template names; {S} is the suffix upper-cased, for
// the topic of a sink named with {s}.
func render(stmt, src, suffix string) string {
	return strings.NewReplacer("{src}", src, "{s}", suffix, "{S}", strings.ToUpper(suffix)).Replace(stmt)
}

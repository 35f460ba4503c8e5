// Package ksqlrest serves ksqlDB's REST API (/info, /healthcheck, /ksql,
// /query, /query-stream, /close-query, /inserts-stream, /status,
// /clusterStatus, /is_valid_property) over the engine's statement API: every
// statement runs in an engine session, as the Postgres face's ksql dialect
// runs it, and this package only maps requests and results to ksqlDB's JSON
// entities. It parses no SQL of its own (engine.Session.Statements splits a
// request into statements); /inserts-stream writes each row with an INSERT
// VALUES statement built from the row's JSON values.
package ksqlrest

// Package pgface is Sluice's Postgres face: what a Postgres client sees besides
// KSQL. Its Session wraps a connection's KSQL engine session and routes each
// statement: a query string is split with the Postgres grammar (pg_query), and
// catalog SQL (queries reading only pg_catalog/information_schema relations, or
// none) and Postgres utility statements (SET/SHOW/RESET of Postgres parameters,
// BEGIN/COMMIT/ROLLBACK, DISCARD, DEALLOCATE) run on the catalog path (package
// pgcatalog, evaluated by package pgeval); everything else, and text the Postgres
// grammar cannot parse, goes to the engine session. It also knows what the wire
// server asks of a session that only a grammar can tell: $n placeholder counts
// and result columns with parameters bound as literals.
//
// It implements no wire protocol and imports neither the server nor the engine:
// cmd/sluice adapts between their interfaces. It never changes the engine's
// catalog.
package pgface

// Package pgcatalog is the Postgres face of Sluice's catalog: it presents the
// engine's streams and tables as the pg_catalog and information_schema relations
// that Postgres clients and BI tools query (psql's \d, pgjdbc's DatabaseMetaData,
// SQLAlchemy's inspector, Metabase, Grafana), provides the catalog functions they
// call (format_type, pg_get_userbyid, pg_table_is_visible, current_setting, ...),
// and keeps the Postgres session parameters (SET/SHOW/RESET) and transaction
// no-ops.
//
// Statements are parsed with the Postgres grammar (pg_query) and evaluated by
// package pgeval over relations built from a snapshot of the engine's catalog taken
// per statement. Claims decides which statements belong here: those reading only
// catalog relations (or none), and Postgres utility statements; everything else is
// KSQL for the engine.
//
// Streams and tables appear as ordinary tables (relkind 'r') in schema public, with
// OIDs derived from their names (stable across restarts), their columns typed with
// the same Postgres types the wire protocol uses, a TABLE's PRIMARY KEY as a
// primary-key index and constraint, and a description saying what each is.
// pg_proc lists PostgreSQL 15's own rows for the functions the Postgres path
// implements (builtin_procs.jsonl, regenerated from a real PostgreSQL 15 by a
// test). The package never changes the engine's catalog and never sees Kafka.
package pgcatalog

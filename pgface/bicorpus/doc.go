// Package bicorpus holds the BI corpus test: SQL that Metabase, Grafana,
// Superset, Tableau, Power BI, DBeaver, SQLAlchemy and knex generate, and
// everyday SQL, window functions and bound parameters (testdata/*.sql, written
// from the tools' documentation and drivers), each statement run through the wire server
// and the Postgres face over Sluice relations and against a throwaway
// PostgreSQL 15 holding the same rows; result labels, type OIDs and rows must
// match. The package has no code besides its test.
package bicorpus

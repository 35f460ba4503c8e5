// Package pgeval evaluates Postgres-dialect SELECT statements over in-memory
// relations with Postgres semantics. It answers the catalog queries Postgres
// clients send (psql's \d, pgjdbc's DatabaseMetaData, SQLAlchemy's inspector,
// BI tools) over virtual pg_catalog and information_schema relations, and the
// SQL BI tools and ORMs send over snapshots of Sluice's streams and tables:
// joins (inner, LEFT, RIGHT, FULL, comma), correlated subqueries (scalar,
// EXISTS, IN, ANY, ARRAY), CTEs, VALUES, aggregates with GROUP BY/HAVING and
// ordered-set aggregates, window functions with frames, set-returning functions
// in FROM and in the select list, UNION/INTERSECT/EXCEPT, DISTINCT [ON], ORDER BY
// with NULLS FIRST/LAST, LIMIT/OFFSET, casts including the reg* types, arrays and
// subscripts, composite field access, regular expressions and LIKE, date/time
// and numeric functions.
//
// Statements arrive already parsed by pg_query (the Postgres grammar); Compile binds
// names and types against a Catalog and Run executes the result, materializing
// every intermediate relation in memory. It is not a streaming engine: a relation's
// rows are loaded whole (or by key, Relation.Lookup) and nothing bounds memory.
//
// Values are represented as nil (NULL), bool, int64 (every integer, oid and reg*
// type), float64 (float4, float8), *apd.Decimal (numeric), string (text, name,
// char, varchar, json), time.Time (date, timestamp, timestamptz, in UTC),
// Interval, TimeOfDay, []any (arrays, int2vector, oidvector) and Record
// (composites). Each result
// column carries its Postgres type OID.
package pgeval

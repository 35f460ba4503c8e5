// Package pgeval evaluates Postgres-dialect SELECT statements over small in-memory
// relations. It exists so that the catalog queries Postgres clients send (psql's \d,
// pgjdbc's DatabaseMetaData, SQLAlchemy's inspector, BI tools) run against virtual
// pg_catalog and information_schema relations with Postgres semantics: joins (inner,
// LEFT, RIGHT, FULL, comma), correlated subqueries (scalar, EXISTS, IN, ANY, ARRAY),
// CTEs, VALUES, aggregates with GROUP BY/HAVING, window ranking functions,
// set-returning functions in FROM and in the select list, UNION/INTERSECT/EXCEPT,
// DISTINCT, ORDER BY with NULLS FIRST/LAST, LIMIT/OFFSET, casts including the reg*
// types, arrays and subscripts, composite field access, regular expressions and
// LIKE.
//
// Statements arrive already parsed by pg_query (the Postgres grammar); Compile binds
// names and types against a Catalog and Run executes the result, materializing
// every intermediate relation. It is not a streaming engine and must not be used for
// user data: relations are expected to hold at most a few thousand rows.
//
// Values are represented as nil (NULL), bool, int64 (every integer, oid and reg*
// type), float64 (float and numeric), string (text, name, char, varchar, json),
// []any (arrays, int2vector, oidvector) and Record (composites). Each result
// column carries its Postgres type OID.
package pgeval

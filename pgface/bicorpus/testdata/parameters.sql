-- Bound parameters as drivers send them (pgx here: interpolated in the simple
-- protocol, typed from ParameterDescription and binary in the extended one):
-- ORM and BI filters on keys, text, timestamps (Go time values and Postgres
-- timestamp texts), numbers, booleans, LIMIT/OFFSET and function arguments.

-- args: [3]
SELECT id, district FROM orders WHERE id = $1;

-- args: ["north"]
SELECT id FROM orders WHERE district = $1 ORDER BY id;

-- args: ["@2026-12-06T10:01:00Z"]
SELECT id FROM orders WHERE created_at > $1 ORDER BY id;

-- args: ["@2026-12-06T10:01:00Z", "@2026-12-07T00:00:00Z"]
SELECT count(*) FROM orders WHERE created_at BETWEEN $1 AND $2;

-- args: ["2026-12-06 10:01:00"]
SELECT id FROM orders WHERE created_at > $1::timestamp ORDER BY id;

-- args: ["2026-12-06 10:01:00+00"]
SELECT id FROM orders WHERE created_at > $1 ORDER BY id;

-- args: [2]
SELECT id FROM orders ORDER BY id LIMIT $1;

-- args: [2, 3]
SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2;

-- args: ["c1"]
SELECT "public"."customers"."name" AS "name" FROM "public"."customers" WHERE "public"."customers"."id" = $1;

-- args: ["1"]
SELECT id FROM customers WHERE id = 'c' || $1;

-- args: [10]
SELECT id, amount FROM orders WHERE amount > $1 ORDER BY id;

-- args: [1.5]
SELECT id FROM orders WHERE price < $1 * 2 ORDER BY id;

-- args: [true]
SELECT id FROM customers WHERE vip = $1 ORDER BY id;

-- args: ["%o%"]
SELECT name FROM customers WHERE name ILIKE $1 ORDER BY 1;

-- args: ["day"]
SELECT date_trunc($1, created_at) AS d, count(*) FROM orders GROUP BY 1 ORDER BY 1;

-- args: ["2026-12-06"]
SELECT id FROM customers WHERE signup < $1::date ORDER BY id;

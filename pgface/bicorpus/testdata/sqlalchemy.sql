-- SQLAlchemy Core/ORM (psycopg2 dialect) and knex, with bound values written as
-- literals: table.column references, anonymous labels (count_1, anon_1), CAST,
-- LIMIT/OFFSET, IN, EXISTS, coalesce; knex quotes every identifier.

SELECT orders.id, orders.district, orders.amount FROM orders WHERE orders.id = 3;

SELECT orders.id, orders.district FROM orders ORDER BY orders.id LIMIT 3 OFFSET 2;

SELECT count(*) AS count_1 FROM (SELECT orders.id AS orders_id, orders.district AS orders_district FROM orders) AS anon_1;

SELECT orders.district, sum(orders.amount) AS sum_1 FROM orders GROUP BY orders.district ORDER BY sum_1 DESC;

SELECT customers.id, customers.name FROM customers WHERE customers.id IN ('c1', 'c3', 'c9') ORDER BY customers.id;

SELECT customers.id FROM customers WHERE customers.id NOT IN ('c1', 'c3') ORDER BY customers.id;

SELECT customers.name FROM customers WHERE EXISTS (SELECT 1 FROM orders WHERE orders.customer = customers.id AND orders.amount > 20) ORDER BY customers.name;

SELECT customers.name FROM customers WHERE customers.id IN (SELECT orders.customer FROM orders WHERE orders.express) ORDER BY 1;

SELECT coalesce(customers.score, 0) AS coalesce_1 FROM customers ORDER BY customers.id;

SELECT CAST(orders.amount AS NUMERIC(10, 1)) AS anon_1 FROM orders ORDER BY orders.id;

SELECT CAST(orders.qty AS VARCHAR) AS anon_1 FROM orders ORDER BY orders.id;

SELECT CAST(orders.price AS INTEGER) AS anon_1 FROM orders ORDER BY orders.id;

SELECT lower(customers.name) LIKE lower('%A%') AS anon_1 FROM customers ORDER BY customers.id;

SELECT customers.name FROM customers WHERE customers.name ILIKE '%an%' ORDER BY 1;

SELECT customers.name FROM customers WHERE customers.city ~ '^[A-Z]' ORDER BY 1;

SELECT upper(customers.city) AS upper_1, length(customers.name) AS length_1 FROM customers ORDER BY customers.id;

SELECT customers.name || ' (' || customers.city || ')' AS anon_1 FROM customers ORDER BY customers.id;

SELECT round(orders.price, 2) AS round_1, abs(orders.qty - 3) AS abs_1 FROM orders ORDER BY orders.id;

SELECT orders.id FROM orders WHERE orders.created_at > '2026-12-07 00:00:00' ORDER BY orders.id;

SELECT orders.id FROM orders WHERE orders.created_at > '2026-12-07 00:00:00+00'::timestamp ORDER BY orders.id;

SELECT district_totals.district, district_totals.n FROM district_totals WHERE district_totals.district = 'north';

SELECT "district", count("id") AS "n" FROM "orders" GROUP BY "district" ORDER BY "district";

SELECT * FROM "district_totals" WHERE "district" = 'south' LIMIT 1;

SELECT "id", "name" FROM "customers" WHERE "vip" = true ORDER BY "id" ASC;

SELECT "orders".* FROM "orders" INNER JOIN "customers" ON "orders"."customer" = "customers"."id" WHERE "customers"."city" = 'Oslo' ORDER BY "orders"."id";

SELECT count(*) AS "count" FROM "customers" WHERE "score" IS NOT NULL;

SELECT "district", max("amount") AS "max" FROM "orders" GROUP BY "district" HAVING max("amount") > 10 ORDER BY "max" DESC;

SELECT sluice.public.orders.id FROM sluice.public.orders WHERE sluice.public.orders.id < 3 ORDER BY 1;

SELECT DISTINCT ON (district) district, id FROM orders ORDER BY district, id;

SELECT id, district FROM orders ORDER BY district NULLS FIRST, id DESC LIMIT 4;

SELECT id, score FROM customers ORDER BY score DESC NULLS LAST, id;

SELECT id, score FROM customers ORDER BY score ASC NULLS FIRST, id;

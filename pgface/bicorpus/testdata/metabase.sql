-- Metabase's PostgreSQL driver (HoneySQL): fully qualified, quoted names,
-- "AS" aliases equal to the column, LIMIT 2000 for table previews and 1048575
-- for questions; time grouping with date_trunc and extract, casts to timestamp.

SELECT "public"."district_totals"."district" AS "district", "public"."district_totals"."n" AS "n", "public"."district_totals"."total" AS "total" FROM "public"."district_totals" LIMIT 2000;

SELECT "public"."orders"."id" AS "id", "public"."orders"."district" AS "district", "public"."orders"."amount" AS "amount", "public"."orders"."created_at" AS "created_at" FROM "public"."orders" LIMIT 2000;

SELECT count(*) AS "count" FROM "public"."orders";

SELECT sum("public"."orders"."amount") AS "sum" FROM "public"."orders";

SELECT avg("public"."orders"."qty") AS "avg" FROM "public"."orders";

SELECT count(distinct "public"."orders"."customer") AS "count" FROM "public"."orders";

SELECT min("public"."orders"."created_at") AS "min", max("public"."orders"."created_at") AS "max" FROM "public"."orders";

SELECT "public"."orders"."district" AS "district", count(*) AS "count" FROM "public"."orders" GROUP BY "public"."orders"."district" ORDER BY "public"."orders"."district" ASC;

SELECT "public"."orders"."district" AS "district", sum("public"."orders"."amount") AS "sum" FROM "public"."orders" GROUP BY "public"."orders"."district" ORDER BY "sum" DESC, "public"."orders"."district" ASC LIMIT 1048575;

SELECT date_trunc('day', "public"."orders"."created_at") AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY date_trunc('day', "public"."orders"."created_at") ORDER BY date_trunc('day', "public"."orders"."created_at") ASC;

SELECT date_trunc('hour', "public"."orders"."created_at") AS "created_at", sum("public"."orders"."amount") AS "sum" FROM "public"."orders" GROUP BY date_trunc('hour', "public"."orders"."created_at") ORDER BY date_trunc('hour', "public"."orders"."created_at") ASC;

SELECT date_trunc('minute', "public"."orders"."created_at") AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY date_trunc('minute', "public"."orders"."created_at") ORDER BY date_trunc('minute', "public"."orders"."created_at") ASC;

SELECT date_trunc('month', "public"."orders"."created_at") AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY date_trunc('month', "public"."orders"."created_at") ORDER BY date_trunc('month', "public"."orders"."created_at") ASC;

SELECT CAST(extract(hour from "public"."orders"."created_at") AS integer) AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY CAST(extract(hour from "public"."orders"."created_at") AS integer) ORDER BY CAST(extract(hour from "public"."orders"."created_at") AS integer) ASC;

SELECT CAST(extract(dow from "public"."orders"."created_at") AS integer) + 1 AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY 1 ORDER BY 1 ASC;

SELECT (CAST(date_trunc('week', ("public"."orders"."created_at" + INTERVAL '1 day')) AS timestamp) + INTERVAL '-1 day') AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY 1 ORDER BY 1 ASC;

SELECT "public"."orders"."id" AS "id", "public"."orders"."amount" AS "amount" FROM "public"."orders" WHERE ("public"."orders"."created_at" >= timestamp '2026-12-06 10:00:00' AND "public"."orders"."created_at" < timestamp '2026-12-06 11:00:00') LIMIT 1048575;

SELECT "public"."orders"."id" AS "id" FROM "public"."orders" WHERE "public"."orders"."district" = 'north' LIMIT 1048575;

SELECT "public"."orders"."id" AS "id" FROM "public"."orders" WHERE ("public"."orders"."district" IS NULL OR "public"."orders"."district" = '') LIMIT 1048575;

SELECT "public"."customers"."name" AS "name" FROM "public"."customers" WHERE lower("public"."customers"."name") LIKE '%an%' LIMIT 1048575;

SELECT "public"."customers"."name" AS "name" FROM "public"."customers" WHERE NOT (lower("public"."customers"."city") LIKE 'o%') OR "public"."customers"."city" IS NULL LIMIT 1048575;

SELECT "public"."customers"."id" AS "id" FROM "public"."customers" WHERE "public"."customers"."vip" = TRUE LIMIT 1048575;

SELECT "public"."customers"."id" AS "id", "public"."customers"."score" AS "score" FROM "public"."customers" WHERE "public"."customers"."score" BETWEEN 20 AND 80 ORDER BY "public"."customers"."score" DESC;

SELECT "source"."district" AS "district", "source"."count" AS "count" FROM (SELECT "public"."orders"."district" AS "district", count(*) AS "count" FROM "public"."orders" GROUP BY "public"."orders"."district" ORDER BY "public"."orders"."district" ASC) AS "source" WHERE "source"."count" > 1 LIMIT 1048575;

SELECT "public"."orders"."district" AS "district", "Customers"."city" AS "Customers__city", count(*) AS "count" FROM "public"."orders" LEFT JOIN "public"."customers" AS "Customers" ON "public"."orders"."customer" = "Customers"."id" GROUP BY "public"."orders"."district", "Customers"."city" ORDER BY "public"."orders"."district" ASC, "Customers"."city" ASC;

SELECT substring(CAST("public"."customers"."name" AS text), 1, 1234) AS "substring" FROM "public"."customers" LIMIT 10000;

SELECT CAST("public"."orders"."created_at" AS date) AS "created_at", count(*) AS "count" FROM "public"."orders" GROUP BY CAST("public"."orders"."created_at" AS date) ORDER BY CAST("public"."orders"."created_at" AS date) ASC;

SELECT "public"."per_minute"."district" AS "district", "public"."per_minute"."windowstart" AS "windowstart", "public"."per_minute"."n" AS "n" FROM "public"."per_minute" ORDER BY "public"."per_minute"."windowstart" ASC, "public"."per_minute"."district" ASC LIMIT 2000;

SELECT "public"."orders"."district" AS "district", avg("public"."orders"."price") AS "avg", max("public"."orders"."qty") AS "max" FROM "public"."orders" GROUP BY "public"."orders"."district" ORDER BY "avg" DESC LIMIT 1048575;

SELECT count(*) AS "count" FROM "public"."orders" WHERE "public"."orders"."express" = FALSE;

SELECT "public"."orders"."district" AS "district", count(*) AS "count" FROM "public"."orders" GROUP BY "public"."orders"."district" HAVING count(*) > 1 ORDER BY "count" DESC, "district" ASC;

-- The README's Metabase example: a day grouping over a filtered range.
SELECT date_trunc('day', "public"."orders"."created_at") AS "created_at", sum("public"."orders"."amount") AS "sum" FROM "public"."orders" WHERE "public"."orders"."created_at" >= timestamp '2026-12-06 10:00:00' GROUP BY 1 ORDER BY 1 ASC;

-- Three-part relation names with the current database, and another one.
SELECT count(*) AS "count" FROM sluice.public.district_totals;

SELECT "sluice"."public"."customers"."name" FROM "sluice"."public"."customers" WHERE "sluice"."public"."customers"."vip" ORDER BY 1;

SELECT count(*) FROM other.public.orders;

-- SQL that Tableau, Power BI (through Npgsql or psqlODBC) and DBeaver generate
-- for a PostgreSQL connection, written from their documented query shapes:
-- relation aliases without AS, "$Table" aliases, CASTs around every dimension,
-- Tableau's "agg:field:ok" labels, LIMIT 0 probes and row counts.

SELECT CAST("orders"."district" AS TEXT) AS "district", SUM("orders"."amount") AS "sum:amount:ok" FROM "public"."orders" "orders" GROUP BY 1 ORDER BY 1;

SELECT COUNT(DISTINCT "orders"."customer") AS "ctd:customer:ok" FROM "public"."orders" "orders" HAVING (COUNT(1) > 0);

SELECT * FROM (SELECT district, n FROM district_totals) "TableauSQL" LIMIT 0;

SELECT DATE_TRUNC('MONTH', CAST("orders"."created_at" AS DATE)) AS "tmn:created_at:ok", SUM("orders"."qty") AS "sum:qty:ok" FROM "public"."orders" "orders" GROUP BY 1;

SELECT CAST(EXTRACT(YEAR FROM "orders"."created_at") AS INTEGER) AS "yr:created_at:ok", CAST(TRUNC(EXTRACT(QUARTER FROM "orders"."created_at")) AS INTEGER) AS "qr:created_at:ok" FROM "public"."orders" "orders" GROUP BY 1, 2;

SELECT "orders"."district" AS "district", AVG(CAST("orders"."price" AS DOUBLE PRECISION)) AS "avg:price:ok", STDDEV_SAMP(CAST("orders"."price" AS DOUBLE PRECISION)) AS "std:price:ok" FROM "public"."orders" "orders" GROUP BY 1 ORDER BY 1;

SELECT (CASE WHEN ("orders"."express") THEN 'Express' ELSE 'Standard' END) AS "Calculation_1", COUNT("orders"."id") AS "cnt:id:ok" FROM "public"."orders" "orders" GROUP BY 1;

SELECT "orders"."id" AS "id" FROM "public"."orders" "orders" WHERE (("orders"."created_at" >= (TIMESTAMP '2026-12-06 00:00:00.000')) AND ("orders"."created_at" <= (TIMESTAMP '2026-12-07 23:59:59.999'))) GROUP BY 1;

SELECT "customers"."city" AS "city", MIN("customers"."signup") AS "min:signup:ok", MAX("customers"."score") AS "max:score:ok" FROM "public"."customers" "customers" WHERE ("customers"."city" IS NOT NULL) GROUP BY 1;

SELECT TO_CHAR("orders"."created_at", 'YYYY-MM-DD') AS "day", COUNT(1) AS "cnt" FROM "public"."orders" "orders" GROUP BY 1 ORDER BY 1;

SELECT "orders"."district" AS "district" FROM "public"."orders" "orders" INNER JOIN "public"."customers" "customers" ON ("orders"."customer" = "customers"."id") WHERE ("customers"."vip" = TRUE) GROUP BY 1;

select "$Table"."district" as "district", "$Table"."n" as "n" from "public"."district_totals" "$Table" limit 1000;

select count(1) as "C1" from "public"."orders" "$Table";

select "_"."district", sum("_"."amount") as "amount" from (select "district", "amount" from "public"."orders" "$Table" where "express" = false) "_" group by "_"."district" order by "_"."district" limit 1000;

select "rows"."customer" as "customer", "rows"."qty" as "qty" from (select "customer", "qty" from "public"."orders" "$Table") "rows" where "rows"."qty" >= 3 order by "rows"."customer", "rows"."qty";

SELECT x.* FROM public.district_totals x ORDER BY x.district;

SELECT count(*) FROM (SELECT * FROM public.orders) dbvrcnt;

SELECT t.* FROM public.customers t WHERE t.score IS NULL OR t.score < 50 ORDER BY t.id LIMIT 200;

SELECT o.district, o.qty, count(*) OVER (PARTITION BY o.district) AS per_district FROM public.orders o ORDER BY o.id LIMIT 200;

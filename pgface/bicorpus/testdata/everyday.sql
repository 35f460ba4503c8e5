-- Everyday PostgreSQL over Sluice's relations: names as Postgres resolves them,
-- result labels, casts, typed literals, date/time and string functions, window
-- functions, set operations and errors.

SELECT district FROM district_totals ORDER BY district;

SELECT DISTRICT FROM DISTRICT_TOTALS ORDER BY 1;

SELECT District, N FROM public.District_Totals ORDER BY 1;

SELECT "district", "n" FROM "public"."district_totals" ORDER BY "district";

SELECT count(*), sum(n), max(total) FROM district_totals;

SELECT 1, 'a', 1 + 2, n * 2 FROM district_totals WHERE district = 'east';

SELECT n::text, n::numeric, total::float8, total::int, district::varchar(3) FROM district_totals ORDER BY district;

SELECT CAST(total AS text) AS t, CAST(n AS double precision) AS d FROM district_totals ORDER BY 1;

SELECT timestamp '2026-12-06 10:00:00' AS ts, date '2026-12-06' AS d, interval '1 day 2 hours' AS i, numeric '1.50' AS n;

SELECT '2026-12-06 10:01:00'::timestamp AS a, '2026-12-06 10:01:00+00'::timestamptz AS b, '2026-12-06'::date + 1 AS c;

SELECT created_at + interval '1 hour' AS later, created_at - interval '30 minutes' AS earlier FROM orders WHERE id < 3 ORDER BY 1;

SELECT max(created_at) - min(created_at) AS span FROM orders;

SELECT extract(year from created_at) AS y, extract(month from created_at) AS m, extract(day from created_at) AS d, date_part('hour', created_at) AS h FROM orders WHERE id = 1;

SELECT extract(epoch from timestamp '2026-12-06 10:00:00') AS e, extract(epoch from date '2026-12-06') AS f;

SELECT to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') AS s, to_char(created_at, 'YYYY-MM') AS m FROM orders WHERE id IN (1, 8) ORDER BY 1;

SELECT date_trunc('quarter', created_at) AS q, date_trunc('year', created_at) AS y FROM orders WHERE id = 2;

SELECT now() > timestamp '2020-01-01' AS recent, current_date > date '2020-01-01' AS today;

SELECT upper(district) AS u, lower(district) AS l, initcap(district) AS i, length(district) AS n FROM orders WHERE id IN (1, 9, 10) ORDER BY id;

SELECT substr(name, 1, 3) AS s, left(name, 2) AS l, right(name, 2) AS r, replace(name, ' ', '_') AS p, position(' ' in name) AS pos FROM customers ORDER BY id;

SELECT trim(' x ') AS t, lpad(city, 8, '*') AS l, rpad(city, 8) AS r, reverse(city) AS v, repeat('ab', 2) AS p FROM customers ORDER BY id;

SELECT concat(id, '-', name) AS c, concat_ws('/', id, city) AS w, split_part(name, ' ', 2) AS last FROM customers ORDER BY id;

SELECT nullif(district, '') AS d, coalesce(nullif(district, ''), 'unknown') AS e FROM orders ORDER BY id;

SELECT greatest(qty, 3) AS g, least(qty, 3) AS l FROM orders ORDER BY id;

SELECT CASE district WHEN 'north' THEN 1 WHEN 'south' THEN 2 ELSE 0 END AS c FROM orders ORDER BY id;

SELECT ceil(price) AS c, floor(price) AS f, round(price) AS r, trunc(price) AS t, mod(qty, 3) AS m, power(qty, 2) AS p, sqrt(qty) AS s FROM orders ORDER BY id;

SELECT round(amount, 1) AS r, amount * 2 AS d, amount / 3 AS q, amount + 1 AS a FROM orders ORDER BY id;

SELECT sum(amount) / count(*) AS mean, avg(amount) AS avg FROM orders;

SELECT stddev(qty) AS s, variance(qty) AS v FROM orders;

SELECT string_agg(id::text, ',' ORDER BY id) AS ids, array_agg(qty ORDER BY id) AS qtys FROM orders;

SELECT bool_and(express) AS a, bool_or(express) AS o FROM orders;

SELECT id, row_number() OVER (PARTITION BY district ORDER BY id) AS rn, rank() OVER (ORDER BY qty DESC) AS rk FROM orders ORDER BY id;

SELECT id, sum(amount) OVER (PARTITION BY district) AS district_total FROM orders ORDER BY id;

SELECT district FROM orders WHERE district <> '' UNION SELECT district FROM district_totals ORDER BY 1;

SELECT customer FROM orders INTERSECT SELECT id FROM customers ORDER BY 1;

SELECT id FROM customers EXCEPT SELECT customer FROM orders;

SELECT (SELECT max(n) FROM district_totals) AS most, (SELECT count(*) FROM customers) AS customers;

SELECT o.id, c.name FROM orders o, customers c WHERE o.customer = c.id AND o.amount > 15 ORDER BY o.id;

SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON c.id = o.customer WHERE c.id IS NULL ORDER BY 1;

SELECT d.district, d.n, count(o.id) AS orders FROM district_totals d JOIN orders o USING (district) GROUP BY d.district, d.n ORDER BY 1;

SELECT * FROM orders WHERE false;

SELECT id FROM orders WHERE district = ANY(ARRAY['north', 'east']) ORDER BY id;

SELECT id FROM orders WHERE qty IN (1, 2) AND NOT express ORDER BY id;

SELECT id FROM orders ORDER BY amount DESC FETCH FIRST 3 ROWS ONLY;

SELECT count(*) FROM orders o WHERE o.amount > (SELECT avg(amount) FROM orders);

SELECT nosuch FROM orders;

SELECT * FROM nosuch;

SELECT id FROM orders WHERE id = 'x';

SELECT 1 / 0 AS boom FROM orders;

SELECT sum(id) FROM orders GROUP BY;

SELECT windowstart, windowend - windowstart AS size, n FROM per_minute WHERE district = 'north' ORDER BY windowstart;

SELECT to_timestamp(windowstart / 1000.0) AS start FROM per_minute ORDER BY 1 LIMIT 3;

SELECT id, amount FROM orders WHERE amount::text LIKE '%.00' ORDER BY id;

SELECT id FROM orders WHERE created_at::date = date '2026-12-07' ORDER BY id;

SELECT date_trunc('day', created_at)::date AS day, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1;

SELECT version() LIKE 'PostgreSQL%' AS pg;

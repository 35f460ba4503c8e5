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

-- known: the corpus's stand-in KSQL engine answers every statement it gets with 42601; the real engine (catalog.Relation) answers 42P01
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

SELECT to_date('2026-12-06', 'YYYY-MM-DD') AS d, to_date('06/12/2026', 'DD/MM/YYYY'), extract(day from date '2026-12-06'), date_part('dow', date '2026-12-06');

SELECT round(qty, 1) AS r, trunc(qty, 0) AS t, round(amount, -1) AS tens, round(amount) AS whole FROM orders ORDER BY id;

SELECT round(price, 1) FROM orders;

SELECT date '2026-12-06' - '2026-12-01' AS days, timestamp '2026-12-06 10:00:00' - '2026-12-06 09:30:00' AS span, timestamp '2026-12-06 10:00:00' + '90 minutes' AS later;

SELECT date '2026-12-06' + '1';

SELECT date '2026-12-06' - '1 day';

SELECT date '2026-12-06' + interval '1 day' AS t, date '2026-12-06' - 7 AS d, interval '1 day' * 3 AS i, interval '3 hours' / 2 AS h, interval '1 day' + interval '2 hours' AS s FROM customers WHERE id = 'c1';

SELECT signup + 30 AS trial_end, current_date - signup > 0 AS past FROM customers ORDER BY id;

SELECT stddev_pop(price) AS sp, var_samp(price) AS vs, stddev_samp(amount) AS sa, var_pop(qty) AS vp, avg(qty) AS aq, avg(price) AS ap FROM orders;

SELECT DISTINCT ON (district) district, id, amount FROM orders ORDER BY district, amount DESC;

SELECT DISTINCT ON (1) customer, created_at FROM orders ORDER BY 1, 2;

SELECT id, sum(qty) OVER (PARTITION BY district ORDER BY created_at) AS running, count(*) OVER (ORDER BY qty) AS peers FROM orders ORDER BY id;

SELECT district::varchar(2) AS v, CAST(amount AS numeric(5,1)) AS n, price::numeric(6,2) AS p FROM orders ORDER BY id;

SELECT abs(qty - 5) AS a, sign(price - 5) AS s, ceil(amount) AS c, floor(amount) AS f, mod(id, 4) AS m, div(qty, 2) AS d FROM orders ORDER BY id;

SELECT md5(name) AS h, translate(city, 'oe', '0E') AS t, starts_with(name, 'C') AS s, ascii(name) AS a, chr(65) AS c, to_hex(score) AS x FROM customers ORDER BY id;

SELECT to_hex(id) FROM customers;

SELECT octet_length(city) AS o, character_length(city) AS c, char_length(city) AS l FROM customers ORDER BY id;

SELECT extract(epoch from interval '1 day 2 hours') AS e, date_trunc('hour', interval '3 days 04:05:06') AS t, extract(minute from interval '90 minutes') AS m;

SELECT to_char(created_at, 'Dy DD Mon YYYY HH12:MI AM') AS s, to_char(created_at, 'Q DDD "week" D') AS q FROM orders ORDER BY id;

SELECT created_at::timestamptz AS z, '2026-12-06 10:01:00+02'::timestamp AS dropped_zone, '2026-12-06 10:01:00+02'::timestamptz AS utc FROM orders WHERE id = 1;

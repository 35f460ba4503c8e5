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

-- known: a text argument is cast to a function's integer parameter (Postgres has no such implicit cast and finds no function); kept because some catalog relations carry as text what Postgres types as oid or regproc
SELECT to_hex(id) FROM customers;

SELECT octet_length(city) AS o, character_length(city) AS c, char_length(city) AS l FROM customers ORDER BY id;

SELECT extract(epoch from interval '1 day 2 hours') AS e, date_trunc('hour', interval '3 days 04:05:06') AS t, extract(minute from interval '90 minutes') AS m;

SELECT to_char(created_at, 'Dy DD Mon YYYY HH12:MI AM') AS s, to_char(created_at, 'Q DDD "week" D') AS q FROM orders ORDER BY id;

SELECT created_at::timestamptz AS z, '2026-12-06 10:01:00+02'::timestamp AS dropped_zone, '2026-12-06 10:01:00+02'::timestamptz AS utc FROM orders WHERE id = 1;

SELECT id FROM orders WHERE district ILIKE 'NORTH' ORDER BY id;

SELECT name FROM customers WHERE name NOT ILIKE '%a%' ORDER BY 1;

SELECT name FROM customers WHERE name ~ '^[A-C]' ORDER BY 1;

SELECT name FROM customers WHERE name ~* 'LEE$' OR city !~ 'o' ORDER BY 1;

SELECT "public"."orders"."id" AS "id" FROM "public"."orders" WHERE "public"."orders"."created_at" >= date_trunc('day', (timestamp '2026-12-08 12:00:00' + INTERVAL '-1 day')) ORDER BY 1;

SELECT extract(isodow from created_at) AS a, extract(week from created_at) AS w, extract(quarter from created_at) AS q, extract(doy from created_at) AS d, extract(dow from created_at) AS e FROM orders ORDER BY id;

SELECT id FROM orders ORDER BY id LIMIT ALL;

SELECT id FROM orders ORDER BY id OFFSET 5 ROWS;

SELECT id FROM orders ORDER BY id OFFSET 2 LIMIT 3;

SELECT score FROM customers ORDER BY score NULLS FIRST;

SELECT score FROM customers ORDER BY score DESC NULLS LAST;

SELECT * FROM (SELECT district, count(*) AS n FROM orders GROUP BY district) AS virtual_table ORDER BY n DESC, district LIMIT 10;

SELECT 1;

SELECT id FROM orders WHERE customer IN (SELECT id FROM customers WHERE vip) ORDER BY id;

SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id AND o.express) ORDER BY id;

SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id) ORDER BY id;

SELECT coalesce(sum(amount), 0) AS s FROM orders WHERE id > 100;

SELECT count(*) AS n, sum(amount) AS s, avg(amount) AS a, min(id), max(id) FROM orders WHERE id > 100;

SELECT to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS iso FROM orders ORDER BY id;

SELECT created_at AT TIME ZONE 'UTC' AS z FROM orders ORDER BY id;

SELECT ("public"."orders"."created_at" AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Oslo' AS local FROM "public"."orders" ORDER BY 1;

SELECT regexp_replace(name, '[aeiou]', '_', 'g') AS r, substring(name from 1 for 3) AS s, substring(name from '[A-Z][a-z]+') AS m FROM customers ORDER BY id;

SELECT string_agg(DISTINCT district, ',' ORDER BY district) AS ds, array_agg(DISTINCT qty ORDER BY qty) AS qs, count(DISTINCT district) AS n FROM orders;

SELECT g::date AS day, count(o.id) AS n FROM generate_series(timestamp '2026-12-05', timestamp '2026-12-09', interval '1 day') AS g LEFT JOIN orders o ON date_trunc('day', o.created_at) = g GROUP BY 1 ORDER BY 1;

SELECT id::text || '-' || district AS tag, qty / 2 AS half, qty::float / 2 AS halff, qty % 3 AS m, -qty AS neg FROM orders ORDER BY id;

-- known: character(n) values are not blank-padded
SELECT CAST(amount AS DECIMAL) AS a, CAST(id AS VARCHAR) AS b, CAST(district AS CHAR(3)) AS c, CAST(qty AS BIGINT) AS d, CAST(price AS INTEGER) AS e, qty::int4 AS f, 't'::bool AS g, price::real AS h FROM orders ORDER BY id;

SELECT now() - interval '7 days' < now() AS a, current_timestamp > timestamptz '2020-01-01 00:00:00+00' AS b, localtimestamp > timestamp '2020-01-01' AS c;

SELECT date_trunc('week', created_at)::date AS wk, count(*) FROM orders GROUP BY 1 ORDER BY 1;

SELECT district FROM orders UNION ALL SELECT district FROM district_totals ORDER BY 1;

-- known: the corpus's stand-in KSQL engine answers every statement it gets with 42601; the real engine answers 42P01
SELECT * FROM "District_Totals";

SELECT orders.* FROM orders WHERE id = 3;

SELECT o.*, c.name FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.id;

SELECT * FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.id;

SELECT o.id, c.id FROM orders o FULL OUTER JOIN customers c ON c.id = o.customer ORDER BY 1, 2;

SELECT count(*) FROM orders CROSS JOIN customers;

SELECT o.id, (SELECT name FROM customers c WHERE c.id = o.customer) AS name FROM orders o ORDER BY 1;

-- known: reg* values (regtype here) are sent in text columns (type OID 25)
SELECT pg_typeof(amount) AS a, pg_typeof(qty) AS q, pg_typeof(created_at) AS c FROM orders WHERE id = 1;

SELECT created_at::time AS t, to_char(created_at, 'HH24:MI') AS hm FROM orders ORDER BY id;

SELECT width_bucket(price, 0, 20, 4) AS b, count(*) FROM orders GROUP BY 1 ORDER BY 1;

SELECT district, count(*) FROM orders GROUP BY ROLLUP (district) ORDER BY 1 NULLS LAST;

SELECT CASE WHEN express THEN 'express' ELSE 'standard' END AS kind, sum(amount) FROM orders GROUP BY CASE WHEN express THEN 'express' ELSE 'standard' END ORDER BY 1;

SELECT district AS d FROM orders GROUP BY d ORDER BY d;

SELECT max(district), min(name) FROM orders, customers;

SELECT 1.5::float4 AS f, 2.25::float8 / 3 AS g, 10 / 4 AS h, 10.0 / 4 AS i, 2 ^ 10 AS j, |/ 16 AS k, @ -5 AS l;

SELECT id, amount FROM orders WHERE amount BETWEEN SYMMETRIC 20 AND 10 ORDER BY 1;

SELECT id FROM orders WHERE (district, qty) = ('north', 3);

SELECT id FROM orders WHERE district IS DISTINCT FROM 'north' ORDER BY 1;

SELECT array_length(ARRAY[1,2,3], 1), cardinality(ARRAY['a']), ARRAY[qty, qty*2] FROM orders WHERE id = 1;

SELECT left(district, -1), length(''), upper(NULL), 'a' || NULL IS NULL FROM orders WHERE id = 1;

SELECT sum(qty)::numeric / count(*) AS avgq, round(avg(price)::numeric, 2) AS ap FROM orders;

SELECT date '2026-12-06' AS d, date '2026-12-06' < timestamp '2026-12-06 01:00:00' AS lt, created_at::date - date '2026-12-01' AS days FROM orders WHERE id = 1;

SELECT EXTRACT(EPOCH FROM created_at)::int AS e, (created_at - timestamp '2026-12-06 00:00:00') AS since, extract(epoch from (created_at - timestamp '2026-12-06 00:00:00')) AS secs FROM orders ORDER BY id;

SELECT to_timestamp(extract(epoch from created_at)) AS back FROM orders ORDER BY id;

SELECT date_part('epoch', created_at) * 1000 AS ms FROM orders ORDER BY id;

WITH a AS (SELECT customer, sum(amount) AS s FROM orders GROUP BY customer), b AS (SELECT * FROM a WHERE s > 10) SELECT c.name, b.s FROM b JOIN customers c ON c.id = b.customer ORDER BY 2 DESC;

WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT sum(n) FROM t;

SELECT DISTINCT city FROM customers ORDER BY city;

SELECT DISTINCT lower(city) AS c FROM customers ORDER BY 1;

SELECT city, count(*) FROM customers GROUP BY city HAVING count(*) = 1 ORDER BY city;

SELECT id FROM orders ORDER BY district, id DESC;

SELECT upper(district) AS d, id FROM orders ORDER BY d, 2;

SELECT {fn UCASE(district)} FROM orders WHERE id = 1;

SELECT id FROM orders WHERE created_at > {ts '2026-12-07 00:00:00'} ORDER BY id;

SELECT created_at AT TIME ZONE '+02' AS a, created_at AT TIME ZONE INTERVAL '-03:00' AS b, (created_at AT TIME ZONE 'America/New_York')::text AS c, date '2026-12-06' AT TIME ZONE 'UTC' AS d FROM orders WHERE id = 2;

SELECT percentile_cont(0.5) FROM orders;

SELECT district, express, count(*) AS n, sum(amount) AS s, grouping(district, express) AS g FROM orders GROUP BY CUBE (district, express) ORDER BY 5, 1, 2;

SELECT c.city, o.district, count(*) FROM orders o JOIN customers c ON c.id = o.customer GROUP BY GROUPING SETS ((c.city, o.district), (c.city), ()) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

SELECT district, customer, sum(qty) FROM orders GROUP BY district, ROLLUP (customer) HAVING sum(qty) > 2 ORDER BY 1, 2;

SELECT coalesce(district, 'all') AS d, count(*) FROM orders WHERE id > 100 GROUP BY ROLLUP (district);

SELECT count(*) FROM orders GROUP BY ();

SELECT grouping(district) AS g, district FROM orders GROUP BY district ORDER BY 2;

SELECT grouping(customer) FROM orders GROUP BY district;

-- known: grouping sets over expressions are not supported (columns only)
SELECT date_trunc('day', created_at) AS day, count(*) FROM orders GROUP BY ROLLUP (date_trunc('day', created_at)) ORDER BY 1;

WITH RECURSIVE days(d) AS (SELECT date '2026-12-05' UNION ALL SELECT d + 1 FROM days WHERE d < date '2026-12-09') SELECT d, (SELECT count(*) FROM orders WHERE created_at::date = d) AS n FROM days ORDER BY d;

WITH RECURSIVE reach(c) AS (SELECT 'c1'::text UNION SELECT o2.customer FROM reach r JOIN orders o1 ON o1.customer = r.c JOIN orders o2 ON o2.district = o1.district) SELECT c FROM reach ORDER BY c;

WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM t WHERE n < 3), u AS (SELECT n * 10 AS m FROM t) SELECT sum(m) FROM u;

WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t ORDER BY 1) SELECT * FROM t;

SELECT 9223372036854775807 + 1;

SELECT (-9223372036854775807 - 1) / -1;

SELECT 4611686018427387904 * 2;

SELECT sum(qty) * 4611686018427387904 FROM orders;

SELECT lpad('x', 2000000000, 'y');

SELECT length(lpad('x', 100000, 'yz')), length(repeat('ab', 50000));

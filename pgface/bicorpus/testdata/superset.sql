-- Superset (SQLAlchemy's PostgreSQL dialect under its query builder): charts,
-- virtual datasets as subqueries in FROM, time grains with DATE_TRUNC, time
-- ranges with TO_TIMESTAMP and a format, metric labels quoted as written.

SELECT district AS district, count(*) AS count FROM public.orders GROUP BY district ORDER BY count DESC, district LIMIT 10000;

SELECT COUNT(*) AS count FROM public.orders;

SELECT COUNT(*) AS count FROM public.orders WHERE created_at >= TO_TIMESTAMP('2026-12-06 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US') AND created_at < TO_TIMESTAMP('2026-12-07 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US');

SELECT DATE_TRUNC('hour', created_at) AS __timestamp, SUM(amount) AS "SUM(amount)" FROM public.orders GROUP BY DATE_TRUNC('hour', created_at) ORDER BY "SUM(amount)" DESC LIMIT 50000;

SELECT DATE_TRUNC('day', created_at) AS __timestamp, district AS district, COUNT(*) AS count FROM public.orders GROUP BY DATE_TRUNC('day', created_at), district ORDER BY __timestamp, district LIMIT 50000;

SELECT DATE_TRUNC('week', created_at) AS __timestamp, AVG(price) AS "AVG(price)" FROM public.orders GROUP BY DATE_TRUNC('week', created_at) LIMIT 50000;

SELECT district AS district, SUM(amount) AS "SUM(amount)" FROM (SELECT * FROM orders WHERE qty > 1) AS virtual_table GROUP BY district ORDER BY "SUM(amount)" DESC LIMIT 10000;

SELECT COUNT(*) AS count FROM (SELECT o.district, c.city FROM orders o JOIN customers c ON o.customer = c.id) AS virtual_table;

SELECT city AS city, COUNT(DISTINCT id) AS "COUNT_DISTINCT(id)" FROM public.customers GROUP BY city ORDER BY "COUNT_DISTINCT(id)" DESC, city LIMIT 100;

SELECT DISTINCT district AS district FROM public.orders LIMIT 1000;

SELECT district AS district FROM public.orders GROUP BY district ORDER BY district LIMIT 1000;

SELECT max(created_at) AS max_1, min(created_at) AS min_1 FROM public.orders;

SELECT district AS district, n AS n, total AS total FROM public.district_totals ORDER BY total DESC LIMIT 1000;

SELECT * FROM public.district_totals LIMIT 100;

SELECT * FROM public.customers ORDER BY id LIMIT 100 OFFSET 0;

SELECT district, total FROM district_totals WHERE total > 10 AND district IN ('north', 'south', 'east') ORDER BY total;

SELECT CASE WHEN amount >= 20 THEN 'large' WHEN amount >= 5 THEN 'medium' ELSE 'small' END AS size, COUNT(*) AS count FROM public.orders GROUP BY 1 ORDER BY 2 DESC, 1;

WITH t AS (SELECT district, sum(amount) AS s FROM orders GROUP BY district) SELECT district, s FROM t WHERE s > 10 ORDER BY s DESC;

SELECT district AS district, SUM(amount) AS "SUM(amount)" FROM public.orders WHERE district NOT IN ('west') GROUP BY district HAVING SUM(amount) > 5 ORDER BY "SUM(amount)" DESC LIMIT 10000;

SELECT DATE_TRUNC('month', signup) AS __timestamp, COUNT(*) AS count FROM public.customers GROUP BY DATE_TRUNC('month', signup) ORDER BY 1;

-- Grafana's PostgreSQL data source after macro expansion ($__timeFilter,
-- $__timeGroupAlias, $__time, $__timeEpoch, $__unixEpochFilter), as its
-- documentation gives the expansions, and its query builder's table/column lists.

SELECT created_at AS "time", amount FROM orders WHERE created_at BETWEEN '2026-12-06T10:00:00Z' AND '2026-12-06T11:00:00Z' ORDER BY 1;

SELECT floor(extract(epoch from created_at)/60)*60 AS "time", count(*) AS "orders" FROM orders WHERE created_at BETWEEN '2026-12-06T00:00:00Z' AND '2026-12-09T00:00:00Z' GROUP BY 1 ORDER BY 1;

SELECT floor(extract(epoch from created_at)/3600)*3600 AS "time", sum(amount) AS "amount" FROM orders GROUP BY 1 ORDER BY 1;

SELECT extract(epoch from created_at) AS "time", qty AS "value" FROM orders ORDER BY 1;

SELECT date_trunc('minute', created_at) AS time, count(*) FROM orders GROUP BY 1 ORDER BY 1;

SELECT date_trunc('hour', created_at) AS "time", district AS metric, sum(amount) AS value FROM orders GROUP BY 1, 2 ORDER BY 1, 2;

SELECT to_timestamp(windowstart / 1000) AS "time", district AS metric, n AS value FROM per_minute ORDER BY 1, 2;

SELECT $$x$$ AS dollar, to_timestamp(0) AS epoch;

SELECT created_at AS "time", price FROM orders WHERE created_at >= to_timestamp(1765015200) AND created_at <= to_timestamp(1765101600) ORDER BY 1;

SELECT extract(epoch from created_at)::bigint * 1000 AS "time", amount FROM orders WHERE extract(epoch from created_at) BETWEEN 1765015200 AND 1765101600 ORDER BY 1;

SELECT district AS "metric", count(*) AS "value" FROM orders GROUP BY district ORDER BY 1;

SELECT avg(amount) AS "avg", percentile FROM (SELECT amount, 1 AS percentile FROM orders) t GROUP BY percentile;

SELECT $__value AS never FROM orders;

SELECT quote_ident(table_name) AS "table" FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental') AND table_type = 'BASE TABLE' AND quote_ident(table_schema) IN (SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END FROM generate_series(array_lower(string_to_array(current_setting('search_path'), ','), 1), array_upper(string_to_array(current_setting('search_path'), ','), 1)) AS i, string_to_array(current_setting('search_path'), ',') s) ORDER BY 1;

SELECT quote_ident(column_name) AS "column", data_type AS "type" FROM information_schema.columns WHERE quote_ident(table_name) = 'orders' ORDER BY ordinal_position;

SELECT column_name FROM information_schema.columns WHERE table_name = 'district_totals' AND table_schema = 'public' ORDER BY 1;

SELECT $__timeGroup(created_at, '1m'), count(*) FROM orders;

SELECT date_trunc('day', created_at) AS "time", count(*) FILTER (WHERE express) AS express, count(*) FILTER (WHERE NOT express) AS standard FROM orders GROUP BY 1 ORDER BY 1;

SELECT created_at AS "time", sum(amount) OVER (ORDER BY created_at) AS running FROM orders ORDER BY 1;

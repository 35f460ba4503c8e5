-- Window functions (ranking, ntile, lag/lead, first/last/nth_value, aggregates
-- over ROWS, RANGE and GROUPS frames with offsets and EXCLUDE) and ordered-set
-- aggregates (percentile_cont, percentile_disc, mode), as Grafana and Superset
-- users write them for running totals, moving averages and medians.

SELECT id, count(*) OVER () AS total FROM orders ORDER BY id;

SELECT id, lag(amount) OVER (ORDER BY id) AS prev, lead(amount, 2) OVER (ORDER BY id) AS next2, first_value(id) OVER (PARTITION BY district ORDER BY id) AS fv FROM orders ORDER BY id;

SELECT id, dense_rank() OVER (ORDER BY qty) AS dr, ntile(3) OVER (ORDER BY id) AS nt, percent_rank() OVER (ORDER BY qty) AS pr, cume_dist() OVER (ORDER BY qty) AS cd FROM orders ORDER BY id;

SELECT id, sum(amount) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving FROM orders ORDER BY id;

SELECT id, avg(price) OVER (PARTITION BY district ORDER BY created_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS a FROM orders ORDER BY id;

SELECT id, last_value(id) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS lv FROM orders ORDER BY id;

SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median, percentile_disc(0.5) WITHIN GROUP (ORDER BY qty) AS d FROM orders;

SELECT district, percentile_cont(0.9) WITHIN GROUP (ORDER BY price) AS p90 FROM orders GROUP BY district ORDER BY 1;

SELECT id, sum(qty) OVER (ORDER BY qty GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS g, count(*) OVER (ORDER BY qty RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS r FROM orders ORDER BY id;

SELECT id, count(*) OVER (ORDER BY created_at RANGE BETWEEN interval '1 minute' PRECEDING AND CURRENT ROW) AS last_minute, sum(amount) OVER (ORDER BY amount DESC RANGE BETWEEN 10 PRECEDING AND 5 FOLLOWING) AS near FROM orders ORDER BY id;

SELECT id, sum(qty) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS others, nth_value(id, 2) OVER (PARTITION BY district ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second FROM orders ORDER BY id;

SELECT id, lag(district, 1, 'none') OVER (ORDER BY id) AS p, lead(qty, 1, 0) OVER (PARTITION BY express ORDER BY id) AS n, score, rank() OVER (ORDER BY score NULLS FIRST) AS rk FROM orders JOIN customers c ON c.id = orders.customer ORDER BY id;

SELECT district, sum(amount) AS s, rank() OVER (ORDER BY sum(amount) DESC) AS rk, sum(sum(amount)) OVER () AS all_total FROM orders GROUP BY district ORDER BY 1;

SELECT id, count(*) FILTER (WHERE express) OVER (ORDER BY id) AS express_so_far FROM orders ORDER BY id;

SELECT mode() WITHIN GROUP (ORDER BY district) AS m, percentile_disc(0.25) WITHIN GROUP (ORDER BY created_at DESC) AS d, percentile_cont(0.3) WITHIN GROUP (ORDER BY qty) AS c FROM orders;

SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY qty) FROM orders;

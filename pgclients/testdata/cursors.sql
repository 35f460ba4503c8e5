-- SQL cursors, run statement by statement through pgx against Sluice and
-- against PostgreSQL 15, in the simple protocol and in two extended-protocol
-- modes; the transcripts must match. One statement per line; "-- args: a b"
-- after a statement binds $1, $2 (integers). Cursors are declared SCROLL or
-- NO SCROLL explicitly: without either, PostgreSQL makes a cursor scrollable
-- when its plan allows and Sluice never does (a push query's rows cannot be
-- read again).
DECLARE outside CURSOR FOR SELECT 1
BEGIN
DECLARE c NO SCROLL CURSOR FOR SELECT g, g * $1 AS twice FROM generate_series(1, 10) g WHERE g > $2 -- args: 2 0
SELECT name, statement, is_holdable, is_binary, is_scrollable, creation_time IS NOT NULL AS created FROM pg_cursors ORDER BY name
FETCH 2 FROM c
FETCH NEXT FROM c
FETCH FORWARD 2 IN c
MOVE 0 FROM c
FETCH 0 FROM c
ROLLBACK
BEGIN
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 10) g
MOVE FORWARD 2 IN c
FETCH ABSOLUTE 5 FROM c
MOVE RELATIVE 2 FROM c
FETCH c
MOVE ALL IN c
FETCH 1 FROM c
FETCH ALL FROM c
MOVE 0 FROM c
CLOSE c
FETCH c
COMMIT
BEGIN
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 5) g
FETCH ABSOLUTE 3 FROM c
FETCH ABSOLUTE 2 FROM c
ROLLBACK
BEGIN
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 5) g
FETCH PRIOR FROM c
ROLLBACK
BEGIN
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 5) g
FETCH 2 FROM c
FETCH FIRST FROM c
ROLLBACK
BEGIN
DECLARE s SCROLL CURSOR FOR SELECT g, 'row ' || g AS label FROM generate_series(1, 5) g
FETCH LAST FROM s
FETCH BACKWARD 2 FROM s
FETCH RELATIVE 0 FROM s
FETCH ABSOLUTE -5 FROM s
FETCH PRIOR FROM s
FETCH PRIOR FROM s
FETCH FORWARD ALL FROM s
FETCH NEXT FROM s
FETCH BACKWARD ALL FROM s
MOVE ABSOLUTE 4 FROM s
FETCH RELATIVE -2 FROM s
FETCH -1 FROM s
MOVE LAST IN s
FETCH ABSOLUTE 0 FROM s
FETCH FIRST FROM s
CLOSE ALL
SELECT count(*) FROM pg_cursors
COMMIT
BEGIN
DECLARE b BINARY NO SCROLL CURSOR FOR SELECT g, g::text AS t FROM generate_series(1, 3) g
SELECT name, is_binary FROM pg_cursors ORDER BY name
FETCH 2 FROM b
DECLARE b NO SCROLL CURSOR FOR SELECT 1
ROLLBACK
BEGIN
DECLARE h NO SCROLL CURSOR WITH HOLD FOR SELECT g FROM generate_series(1, 4) g
DECLARE w NO SCROLL CURSOR WITHOUT HOLD FOR SELECT g FROM generate_series(1, 4) g
FETCH 1 FROM h
COMMIT
SELECT name, is_holdable FROM pg_cursors ORDER BY name
FETCH w
FETCH ALL FROM h
BEGIN
DECLARE r NO SCROLL CURSOR WITH HOLD FOR SELECT 1 AS one
ROLLBACK
SELECT name FROM pg_cursors ORDER BY name
CLOSE h
DECLARE h2 NO SCROLL CURSOR WITH HOLD FOR SELECT g FROM generate_series(1, 3) g
FETCH 2 FROM h2
CLOSE h2
CLOSE h2
BEGIN
DECLARE e NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 3) g
FETCH BACKWARD 1 FROM e
FETCH e
ROLLBACK

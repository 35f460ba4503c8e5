-- Cursor statements inside Query messages of several statements (the simple
-- protocol), run against Sluice and PostgreSQL 15; the transcripts must match.
-- One Query per line. Outside a transaction block such a Query is one implicit
-- block: DECLARE may be used in it, and its cursors end with it.
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 5) g; FETCH 2 FROM c; FETCH NEXT FROM c
SELECT count(*) FROM pg_cursors
DECLARE c NO SCROLL CURSOR FOR SELECT ';' AS semi, g FROM generate_series(1, 3) g; /* ; */ MOVE 1 IN c; FETCH ALL FROM c -- ;
DECLARE h NO SCROLL CURSOR WITH HOLD FOR SELECT g FROM generate_series(1, 3) g; FETCH 1 FROM h
SELECT name, is_holdable FROM pg_cursors
FETCH ALL FROM h; CLOSE h; SELECT count(*) FROM pg_cursors
DECLARE c NO SCROLL CURSOR FOR SELECT g FROM generate_series(1, 3) g; FETCH PRIOR FROM c; SELECT 1
SELECT count(*) FROM pg_cursors
BEGIN; DECLARE c NO SCROLL CURSOR FOR SELECT 1 AS one; FETCH c
FETCH c; CLOSE c; COMMIT
SELECT 1; FETCH nope; SELECT 2

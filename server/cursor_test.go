package server

import (
	"context"
	"testing"
)

func TestCursorStatementsRecognized(t *testing.T) {
	for _, tc := range []struct {
		sql   string
		name  string
		count int
	}{
		{`FETCH FORWARD 5 FROM _psql_cursor`, "_psql_cursor", 5},
		{`FETCH FORWARD 2000 FROM "stream"`, "stream", 2000},
		{`fetch next from c;`, "c", 1},
		{`FETCH ALL IN "My Cursor"`, "My Cursor", -1},
		{`FETCH 3 c`, "c", 3},
		{`FETCH c`, "c", 1},
	} {
		m := fetchPattern.FindStringSubmatch(tc.sql)
		if m == nil {
			t.Errorf("%q: not recognized as FETCH", tc.sql)
			continue
		}
		if got := cursorName(m[2]); got != tc.name {
			t.Errorf("%q: cursor %q, want %q", tc.sql, got, tc.name)
		}
		if got := fetchCount(m[1]); got != tc.count {
			t.Errorf("%q: count %d, want %d", tc.sql, got, tc.count)
		}
	}
	m := declarePattern.FindStringSubmatch(`DECLARE "c" CURSOR WITHOUT HOLD FOR SELECT a FROM s EMIT CHANGES;`)
	if m == nil || cursorName(m[1]) != "c" || m[2] != "SELECT a FROM s EMIT CHANGES" {
		t.Errorf("DECLARE parsed as %q", m)
	}
	if m := declarePattern.FindStringSubmatch(`DECLARE _psql_cursor NO SCROLL CURSOR FOR SELECT 1`); m == nil || m[2] != "SELECT 1" {
		t.Errorf("psql's DECLARE parsed as %q", m)
	}
	for _, sql := range []string{"BEGIN", "commit;", "ROLLBACK", "START TRANSACTION ISOLATION LEVEL READ COMMITTED"} {
		if !isTransactionControl(sql) {
			t.Errorf("%q is transaction control", sql)
		}
	}
	if isTransactionControl("BEGIN; SELECT 1") || isTransactionControl("SELECT 1") {
		t.Error("only single transaction statements bypass the cursor lock")
	}
}

// TestCursorCloseReleasesSession: once close returns, the session is free for
// the next statement (psycopg2 closes a named cursor and queries at once).
func TestCursorCloseReleasesSession(t *testing.T) {
	c := &conn{ctx: context.Background(), sess: &testSession{e: newTestEngine()}}
	for i := 0; i < 2000; i++ {
		cur, err := c.openCursor("STREAM 100", nil)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		cur.close()
		if !c.sessMu.TryLock() {
			t.Fatalf("round %d: the session is still held after the cursor closed", i)
		}
		c.sessMu.Unlock()
	}
}

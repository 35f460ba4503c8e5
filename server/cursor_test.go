package server

import (
	"context"
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
)

func TestCursorStatementsRecognized(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		kind cursorCmdKind
		name string
		dir  direction
	}{
		{`FETCH FORWARD 5 FROM _psql_cursor`, cmdFetch, "_psql_cursor", direction{count: 5}},
		{`FETCH FORWARD 2000 FROM "stream"`, cmdFetch, "stream", direction{count: 2000}},
		{`fetch next from c;`, cmdFetch, "c", direction{count: 1}},
		{`FETCH ALL IN "My Cursor"`, cmdFetch, "My Cursor", direction{count: 1, all: true}},
		{`FETCH 3 c`, cmdFetch, "c", direction{count: 3}},
		{`FETCH -3 c`, cmdFetch, "c", direction{count: -3}},
		{`FETCH C`, cmdFetch, "c", direction{count: 1}},
		{`FETCH PRIOR FROM c`, cmdFetch, "c", direction{kind: dirBackward, count: 1}},
		{`FETCH LAST FROM c`, cmdFetch, "c", direction{kind: dirAbsolute, count: -1}},
		{`FETCH FIRST c`, cmdFetch, "c", direction{kind: dirAbsolute, count: 1}},
		{`FETCH BACKWARD ALL FROM c`, cmdFetch, "c", direction{kind: dirBackward, all: true}},
		{`MOVE ABSOLUTE 5 FROM c`, cmdMove, "c", direction{kind: dirAbsolute, count: 5}},
		{`MOVE RELATIVE -2 IN c`, cmdMove, "c", direction{kind: dirRelative, count: -2}},
		{`CLOSE "c"`, cmdClose, "c", direction{}},
	} {
		cmd, ok, err := parseCursorCmd(tc.sql)
		if !ok || err != nil {
			t.Errorf("%q: not recognized (%v)", tc.sql, err)
			continue
		}
		if cmd.kind != tc.kind || cmd.name != tc.name || cmd.dir != tc.dir {
			t.Errorf("%q: parsed as %+v", tc.sql, cmd)
		}
	}
	cmd, ok, err := parseCursorCmd(`DECLARE "c" BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT a FROM s WHERE a = $1 EMIT CHANGES;`)
	if !ok || err != nil || cmd.name != "c" || !cmd.binary || !cmd.hold || !cmd.noScrl || cmd.query != "SELECT a FROM s WHERE a = $1 EMIT CHANGES" || cmd.queryOffset != 50 {
		t.Errorf("DECLARE parsed as %+v (%v)", cmd, err)
	}
	if cmd, _, _ := parseCursorCmd(`DECLARE _psql_cursor NO SCROLL CURSOR FOR SELECT 1`); cmd == nil || cmd.query != "SELECT 1" || cmd.hold {
		t.Errorf("psql's DECLARE parsed as %+v", cmd)
	}
	if _, ok, err := parseCursorCmd(`DECLARE c CURSOR FOR DROP STREAM s`); !ok || sqlerr.CodeOf(err) != sqlerr.SyntaxError {
		t.Errorf("DECLARE over a non-query: %v", err)
	}
	if _, ok, err := parseCursorCmd(`DECLARE c SCROLL NO SCROLL CURSOR FOR SELECT 1`); !ok || sqlerr.CodeOf(err) != "42P11" {
		t.Errorf("SCROLL NO SCROLL: %v", err)
	}
	for _, sql := range []string{"SELECT 1", "FETCH", "CLOSE a b", "DECLARE c", "fetchx c", "MOVE FORWARD x y z w"} {
		if _, ok, _ := parseCursorCmd(sql); ok {
			t.Errorf("%q is not a cursor statement", sql)
		}
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

func TestSplitQuery(t *testing.T) {
	parts, offsets := splitQuery("SELECT ';' AS a; /* x; /* y; */ ; */ FETCH c -- ;\n; SELECT $q$;$q$, E'\\';', \"a;b\";;")
	want := []string{"SELECT ';' AS a", " /* x; /* y; */ ; */ FETCH c -- ;\n", " SELECT $q$;$q$, E'\\';', \"a;b\""}
	if len(parts) != len(want) {
		t.Fatalf("parts %q, want %q", parts, want)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("part %d: %q, want %q", i, parts[i], want[i])
		}
	}
	if offsets[1] != 16 {
		t.Errorf("offsets %v", offsets)
	}
	if cmd, ok, _ := parseCursorCmd(parts[1]); !ok || cmd.kind != cmdFetch || cmd.name != "c" {
		t.Errorf("a FETCH after a comment parsed as %+v", cmd)
	}
}

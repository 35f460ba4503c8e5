package parser

import (
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
)

// FuzzParseScript checks that no input panics, that every error is a
// *sqlerr.Error whose position lies within the input, and that every parsed
// statement's Format reads back.
func FuzzParseScript(f *testing.F) {
	for _, s := range []string{
		"CREATE STREAM s (id INT KEY, v STRUCT<a ARRAY<INT>>) WITH (KAFKA_TOPIC='t');",
		"SELECT a->b[1], ARRAY[1], MAP('k' := 1), STRUCT(x := 1), TRANSFORM(a, x => x + 1) FROM s EMIT CHANGES;",
		"SELECT * FROM a FULL JOIN b WITHIN (1 SECOND, 2 HOURS) ON a.k = b.k WINDOW TUMBLING (SIZE 1 MINUTE) PARTITION BY a.k EMIT FINAL LIMIT 3;",
		"SELECT CAST(x AS DECIMAL(4,2)), $1, 'it''s' || \"Q\" FROM s WHERE x IS DISTINCT FROM 1;",
		"SELECT E'x' FROM s", "SELECT 'unterminated", "/* open", "SHOW STREAMS; PRINT 't' LIMIT 2;",
	} {
		f.Add(s)
	}
	p := New()
	f.Fuzz(func(t *testing.T, s string) {
		stmts, err := p.ParseScript(s)
		if err != nil {
			e, ok := err.(*sqlerr.Error)
			if !ok {
				t.Fatalf("error %T is not a *sqlerr.Error: %v", err, err)
			}
			if e.Code != sqlerr.SyntaxError || e.Position < 0 || e.Position > len(s) {
				t.Fatalf("bad error %s at %d for %d-byte input: %s", e.Code, e.Position, len(s), e.Message)
			}
			return
		}
		for _, st := range stmts {
			out := Format(st)
			if _, err := p.ParseScript(out); err != nil {
				t.Fatalf("Format output %q of %q does not parse: %v", out, s, err)
			}
		}
	})
}

package pgcatalog

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
)

// FuzzCatalogQuery runs arbitrary text on the catalog path: it must never panic or
// fail with an internal error (XX000, what pgeval reports for a recovered panic);
// every other outcome, including errors for the user, is fine.
func FuzzCatalogQuery(f *testing.F) {
	for _, c := range loadCorpus(&testing.T{}) {
		f.Add(c.sql)
	}
	f.Add("SELECT (ARRAY[1,2])[3], array_upper('{}'::int4[], 1), unnest(NULL::text[])")
	f.Add("SELECT string_agg(x, NULL) FROM unnest(ARRAY['a', NULL]) x GROUP BY 1 HAVING true")
	s := newTestSession()
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, ok := s.Split(sql)
		if !ok {
			return
		}
		for _, st := range stmts {
			if !st.Catalog {
				continue
			}
			if strings.Contains(strings.ToLower(st.SQL), "generate_series") {
				continue // can legitimately take long for huge bounds
			}
			err := s.Execute(context.Background(), st, nil, &textWriter{b: &strings.Builder{}})
			if err != nil && sqlerr.CodeOf(err) == sqlerr.InternalError {
				t.Fatalf("%q: %v", st.SQL, err)
			}
		}
	})
}

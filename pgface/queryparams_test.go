package pgface

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/catalog"
)

// readableSources is fixture as an engine's sources, whose relations are
// therefore Postgres relations; its table is not materialized (a plain CREATE
// TABLE), so its rows cannot be read, which binding a statement does not need.
type readableSources struct{ fixtureSources }

func (readableSources) Queryable(*catalog.Source) bool { return false }

func (readableSources) ScanRelation(context.Context, *catalog.Source, []any, func([]any) (bool, error)) error {
	return nil
}

// TestDescribeParameterizedPushQuery describes push queries with $n
// placeholders, as pgx does (Parse, Describe Statement) before it encodes its
// arguments: the parameters get the types the Postgres path infers for the
// query without EMIT CHANGES (a column's type for col = $n), and the result
// columns are the engine's for the query with typed NULLs for the parameters.
func TestDescribeParameterizedPushQuery(t *testing.T) {
	face := New(Config{Sources: readableSources{fixture}, SluiceVersion: "test"})
	for _, c := range []struct {
		sql, want string
	}{
		{"SELECT ID, CUSTOMER AS WHO FROM orders WHERE ID = $1 AND CUSTOMER = $2 EMIT CHANGES LIMIT 1 -- labels: ID WHO",
			"engine describe: SELECT ID, CUSTOMER AS WHO FROM orders WHERE ID = CAST(NULL AS BIGINT) AND CUSTOMER = CAST(NULL AS STRING) EMIT CHANGES LIMIT 1 -- labels: ID WHO\n" +
				"columns: id STRING, who STRING\nparams: BIGINT, STRING"},
		// The Postgres path cannot bind it (no column X): nothing is known.
		{"SELECT ID FROM orders WHERE X = $1 EMIT CHANGES -- labels: ID",
			"columns: \nparams:"},
	} {
		var log strings.Builder
		s := face.NewSession(fakeEngine{&log}, map[string]string{"user": "alice"}, 7)
		cols, params, err := s.Describe(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
			// The first describe is the statement as written, which the
			// engine cannot plan; the bound one follows.
			if strings.HasPrefix(line, "engine describe:") && strings.Contains(line, "$1") {
				continue
			}
			got = append(got, line)
		}
		var names, types []string
		for _, col := range cols {
			names = append(names, col.Name+" "+col.Type.String())
		}
		for _, p := range params {
			types = append(types, p.String())
		}
		got = append(got, "columns: "+strings.Join(names, ", "), "params: "+strings.Join(types, ", "))
		if g := strings.TrimSpace(strings.Join(got, "\n")); g != c.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", c.sql, g, c.want)
		}
		s.Close()
	}
}

package pgface

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/types"
)

// describeKSQLQuery describes a KSQL query with $n placeholders (a push query
// `SELECT ... WHERE x = $1 EMIT CHANGES`), which the engine cannot plan while
// they are unbound. The parameters get the types the Postgres path infers for
// the query without its EMIT clause, the inference pull queries get (x = $1
// takes x's type); the columns are the engine's for the query with each $n
// written as a NULL of its type. It returns nil columns when the engine
// cannot plan that either, and nil parameters when the Postgres path cannot
// bind the query (KSQL functions, windows): the client then sends text.
func (r *Session) describeKSQLQuery(sql string) ([]types.Column, []*types.Type) {
	n := maxParam(sql)
	if n == 0 || !isQuery(sql) {
		return nil, nil
	}
	core, ok := withoutEmit(sql)
	if !ok {
		return nil, nil
	}
	stmts, ok := r.pg.Split(core)
	if !ok || len(stmts) != 1 || !stmts[0].Catalog {
		return nil, nil
	}
	params, err := r.pg.ParameterTypes(stmts[0])
	if err != nil || len(params) == 0 {
		return nil, nil
	}
	typed, ok := substituteParams(sql, func(i int) (string, bool) {
		if i > len(params) || params[i-1] == nil {
			return "", false
		}
		return "CAST(NULL AS " + castType(params[i-1]) + ")", true
	})
	if !ok {
		return nil, params
	}
	cols, _, err := r.engine.Describe(typed)
	if err != nil || cols == nil {
		return nil, params
	}
	if !r.pg.KSQLDialect() {
		cols = postgresLabels(cols)
	}
	return cols, params
}

// castType is how t is written in a KSQL CAST: a DECIMAL of unknown precision
// (Postgres' numeric) as the widest one.
func castType(t *types.Type) string {
	if t.Kind == types.KindDecimal && t.Precision == 0 {
		return "DECIMAL(38, 18)"
	}
	return t.String()
}

// withoutEmit returns sql without its EMIT CHANGES or EMIT FINAL clause (found
// by the Postgres lexer, so not inside strings or comments), and whether it
// had one.
func withoutEmit(sql string) (string, bool) {
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return "", false
	}
	toks := scan.Tokens
	for i := 0; i+1 < len(toks); i++ {
		word := strings.ToLower(sql[toks[i].Start:toks[i].End])
		next := strings.ToLower(sql[toks[i+1].Start:toks[i+1].End])
		if word == "emit" && (next == "changes" || next == "final") {
			return sql[:toks[i].Start] + sql[toks[i+1].End:], true
		}
	}
	return "", false
}

// substituteParams replaces each $n token of sql with text(n), and reports
// false when sql has none or text refuses one. It works on tokens, so KSQL
// that the Postgres grammar rejects (EMIT CHANGES) is handled too.
func substituteParams(sql string, text func(n int) (string, bool)) (string, bool) {
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	last, found := 0, 0
	for _, t := range scan.Tokens {
		if t.Token != pg_query.Token_PARAM {
			continue
		}
		n, ok := paramNumber(sql[t.Start:t.End])
		if !ok {
			return "", false
		}
		s, ok := text(n)
		if !ok {
			return "", false
		}
		b.WriteString(sql[last:t.Start])
		b.WriteString(s)
		last = int(t.End)
		found++
	}
	if found == 0 {
		return "", false
	}
	b.WriteString(sql[last:])
	return b.String(), true
}

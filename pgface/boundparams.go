package pgface

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/types"
)

// DescribeBound returns the result columns of sql with params bound, for a
// statement whose Describe found none because the engine cannot plan unbound $n
// placeholders. pgjdbc and node-pg describe the portal after Bind, so they then
// get a RowDescription for the rows Execute sends. It returns nil when the
// parameters cannot be written as literals or the statement has no rows.
func (r *Session) DescribeBound(sql string, params []any) []types.Column {
	bound, ok := bindLiterals(sql, params)
	if !ok {
		return nil
	}
	cols, _, err := r.Describe(bound)
	if err != nil {
		return nil
	}
	return cols
}

// bindLiterals replaces each $n token of sql with params[n-1] written as a SQL
// literal. It works on tokens, so KSQL that the Postgres grammar rejects (EMIT
// CHANGES) is handled too.
func bindLiterals(sql string, params []any) (string, bool) {
	return substituteParams(sql, func(n int) (string, bool) {
		if n > len(params) {
			return "", false
		}
		return sqlLiteral(params[n-1])
	})
}

// paramNumber returns n of a $n token.
func paramNumber(tok string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(tok, "$"))
	return n, err == nil && n >= 1
}

func sqlLiteral(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "NULL", true
	case bool:
		if x {
			return "TRUE", true
		}
		return "FALSE", true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case *apd.Decimal:
		return x.String(), true
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", true
	}
	return "", false
}

// Placeholders returns the highest $n placeholder number in sql (0 when none),
// found by the Postgres lexer, so that $n in strings and comments do not count.
func (r *Session) Placeholders(sql string) int { return maxParam(sql) }

// maxParam returns the highest $n placeholder number in sql (0 when none).
func maxParam(sql string) int {
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range scan.Tokens {
		if t.Token == pg_query.Token_PARAM {
			if i, err := strconv.Atoi(sql[t.Start+1 : t.End]); err == nil && i <= 65535 {
				n = max(n, i)
			}
		}
	}
	return n
}

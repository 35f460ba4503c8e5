package parser

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

// FormatExpr renders an expression the way ksqlDB's ExpressionFormatter does:
// operators fully parenthesized, e.g. (A + 1), identifiers back-quoted only
// when they need it, e.g. `col`->F. The text parses back to the same tree.
func FormatExpr(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

var plainIdent = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// reservedWords must be quoted to read back as identifiers: the SQL keywords
// the rewrite keeps plus the KSQL clause words.
var reservedWords = map[string]bool{
	"WINDOW": true, "WITHIN": true, "EMIT": true, "PARTITION": true, "FULL": true,
	"CAST": true, "STRUCT": true, "MAP": true, "ARRAY": true, "COUNT": true,
}

// FormatIdent renders an identifier, back-quoted when it would not read back
// as itself unquoted.
func FormatIdent(name string) string {
	if plainIdent.MatchString(name) && !sqlKeywords[name] && !reservedWords[name] && timeUnits[name] == 0 {
		return name
	}
	return types.QuoteIdent(name)
}

func formatString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// formatValue renders a literal or property value so that it reads back with
// the same type.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return formatString(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		s := types.FormatDouble(v)
		if !strings.ContainsAny(s, "EeNI") {
			s += "E0" // keeps it a DOUBLE rather than a DECIMAL when read back
		}
		return s
	case *apd.Decimal:
		return v.Text('f')
	}
	return "?"
}

func formatList(b *strings.Builder, es []Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		formatExpr(b, e)
	}
}

func formatExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString("NULL")
	case *ColumnRef:
		if e.Qualifier != "" {
			b.WriteString(FormatIdent(e.Qualifier))
			b.WriteString(".")
		}
		b.WriteString(FormatIdent(e.Name))
	case *Literal:
		if e.Value == nil {
			b.WriteString("NULL")
		} else {
			b.WriteString(formatValue(e.Value))
		}
	case *Param:
		b.WriteString("$" + strconv.Itoa(e.Index))
	case *Binary:
		b.WriteString("(")
		formatExpr(b, e.L)
		b.WriteString(" " + e.Op + " ")
		formatExpr(b, e.R)
		b.WriteString(")")
	case *Unary:
		if e.Op == "NOT" {
			b.WriteString("(NOT ")
			formatExpr(b, e.E)
			b.WriteString(")")
			return
		}
		b.WriteString(e.Op)
		switch e.E.(type) {
		case *ColumnRef, *Literal, *Call:
			formatExpr(b, e.E)
		default:
			b.WriteString("(")
			formatExpr(b, e.E)
			b.WriteString(")")
		}
	case *IsNull:
		b.WriteString("(")
		formatExpr(b, e.E)
		b.WriteString(cond(e.Not, " IS NOT NULL)", " IS NULL)"))
	case *IsDistinct:
		b.WriteString("(")
		formatExpr(b, e.L)
		b.WriteString(cond(e.Not, " IS NOT DISTINCT FROM ", " IS DISTINCT FROM "))
		formatExpr(b, e.R)
		b.WriteString(")")
	case *Like:
		b.WriteString("(")
		formatExpr(b, e.E)
		b.WriteString(cond(e.Not, " NOT LIKE ", " LIKE "))
		formatExpr(b, e.Pattern)
		if e.Escape != nil {
			b.WriteString(" ESCAPE ")
			formatExpr(b, e.Escape)
		}
		b.WriteString(")")
	case *Between:
		b.WriteString("(")
		formatExpr(b, e.E)
		b.WriteString(cond(e.Not, " NOT BETWEEN ", " BETWEEN "))
		formatExpr(b, e.Lo)
		b.WriteString(" AND ")
		formatExpr(b, e.Hi)
		b.WriteString(")")
	case *In:
		b.WriteString("(")
		formatExpr(b, e.E)
		b.WriteString(cond(e.Not, " NOT IN (", " IN ("))
		formatList(b, e.List)
		b.WriteString("))")
	case *Case:
		b.WriteString("(CASE")
		if e.Operand != nil {
			b.WriteString(" ")
			formatExpr(b, e.Operand)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			formatExpr(b, w.Cond)
			b.WriteString(" THEN ")
			formatExpr(b, w.Result)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			formatExpr(b, e.Else)
		}
		b.WriteString(" END)")
	case *Cast:
		b.WriteString("CAST(")
		formatExpr(b, e.E)
		b.WriteString(" AS " + e.To.String() + ")")
	case *Call:
		name := e.Name
		if !plainIdent.MatchString(name) {
			name = types.QuoteIdent(name)
		}
		b.WriteString(name + "(")
		if e.Distinct {
			b.WriteString("DISTINCT ")
		}
		if e.Star {
			b.WriteString("*")
		}
		formatList(b, e.Args)
		b.WriteString(")")
	case *Deref:
		formatExpr(b, e.E)
		b.WriteString("->" + FormatIdent(e.Field))
	case *StructAll:
		formatExpr(b, e.E)
		b.WriteString("->*")
	case *Subscript:
		formatExpr(b, e.E)
		b.WriteString("[")
		formatExpr(b, e.Index)
		b.WriteString("]")
	case *ArrayCtor:
		b.WriteString("ARRAY[")
		formatList(b, e.Elems)
		b.WriteString("]")
	case *MapCtor:
		b.WriteString("MAP(")
		for i := range e.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			formatExpr(b, e.Keys[i])
			b.WriteString(":=")
			formatExpr(b, e.Values[i])
		}
		b.WriteString(")")
	case *StructCtor:
		b.WriteString("STRUCT(")
		for i := range e.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatIdent(e.Names[i]) + ":=")
			formatExpr(b, e.Values[i])
		}
		b.WriteString(")")
	case *Lambda:
		if len(e.Params) == 1 {
			b.WriteString(FormatIdent(e.Params[0]))
		} else {
			b.WriteString("(")
			for i, p := range e.Params {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(FormatIdent(p))
			}
			b.WriteString(")")
		}
		b.WriteString(" => ")
		formatExpr(b, e.Body)
	case *TimeUnit:
		b.WriteString(e.Unit)
	default:
		b.WriteString("?")
	}
}

func cond(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// formatDuration renders a duration in the largest unit that divides it.
func formatDuration(d time.Duration) string {
	ms := d.Milliseconds()
	for _, u := range [...]struct {
		name string
		ms   int64
	}{{"DAYS", 86400000}, {"HOURS", 3600000}, {"MINUTES", 60000}, {"SECONDS", 1000}} {
		if ms != 0 && ms%u.ms == 0 {
			return strconv.FormatInt(ms/u.ms, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + " MILLISECONDS"
}

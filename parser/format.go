package parser

import (
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// Format renders a statement in a canonical form: keywords upper-case,
// identifiers quoted only when needed, expressions as FormatExpr renders them.
// The text parses back to the same statement. It is used by the datadriven
// tests, by SHOW QUERIES / DESCRIBE for query text, and by EXPLAIN.
func Format(s Statement) string {
	var b strings.Builder
	formatStmt(&b, s)
	return b.String()
}

func formatStmt(b *strings.Builder, s Statement) {
	if formatConnectorStmt(b, s) {
		return
	}
	switch s := s.(type) {
	case *CreateSource:
		b.WriteString("CREATE ")
		b.WriteString(cond(s.OrReplace, "OR REPLACE ", ""))
		b.WriteString(cond(s.IsSource, "SOURCE ", ""))
		b.WriteString(s.Kind.String() + " ")
		b.WriteString(cond(s.IfNotExists, "IF NOT EXISTS ", ""))
		b.WriteString(FormatIdent(s.Name))
		if s.Columns != nil {
			b.WriteString(" (")
			for i, c := range s.Columns {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(FormatIdent(c.Name) + " " + c.Type.String())
				switch {
				case c.Primary:
					b.WriteString(" PRIMARY KEY")
				case c.Role == types.KeyColumn:
					b.WriteString(" KEY")
				case c.Role == types.HeadersColumn:
					b.WriteString(" HEADERS")
				case c.Role == types.HeaderColumn:
					b.WriteString(" HEADER(" + formatString(c.HeaderKey) + ")")
				}
			}
			b.WriteString(")")
		}
		formatProps(b, s.Props)
	case *CreateAsSelect:
		b.WriteString("CREATE ")
		b.WriteString(cond(s.OrReplace, "OR REPLACE ", ""))
		b.WriteString(s.Kind.String() + " ")
		b.WriteString(cond(s.IfNotExists, "IF NOT EXISTS ", ""))
		b.WriteString(FormatIdent(s.Name))
		formatProps(b, s.Props)
		b.WriteString(" AS ")
		formatSelect(b, s.Query)
	case *InsertSelect:
		b.WriteString("INSERT INTO " + FormatIdent(s.Target))
		formatProps(b, s.Props)
		b.WriteString(" ")
		formatSelect(b, s.Query)
	case *InsertValues:
		b.WriteString("INSERT INTO " + FormatIdent(s.Target))
		if s.Columns != nil {
			b.WriteString(" (")
			for i, c := range s.Columns {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(FormatIdent(c))
			}
			b.WriteString(")")
		}
		b.WriteString(" VALUES (")
		formatList(b, s.Values)
		b.WriteString(")")
	case *Query:
		formatSelect(b, s.Select)
	case *Show:
		b.WriteString("SHOW ")
		b.WriteString(cond(s.All, "ALL ", ""))
		for k, v := range showKinds {
			if v == s.What {
				b.WriteString(k)
			}
		}
		b.WriteString(cond(s.Extended, " EXTENDED", ""))
	case *Describe:
		b.WriteString("DESCRIBE ")
		if s.AllOf != nil {
			b.WriteString(s.AllOf.String() + "S")
			b.WriteString(cond(s.Extended, " EXTENDED", ""))
		} else {
			b.WriteString(cond(s.Extended, "EXTENDED ", ""))
			b.WriteString(FormatIdent(s.Name))
		}
	case *DescribeFunction:
		b.WriteString("DESCRIBE FUNCTION " + FormatIdent(s.Name))
	case *Drop:
		b.WriteString("DROP " + s.Kind.String() + " ")
		b.WriteString(cond(s.IfExists, "IF EXISTS ", ""))
		b.WriteString(FormatIdent(s.Name))
		b.WriteString(cond(s.DeleteTopic, " DELETE TOPIC", ""))
	case *CreateType:
		b.WriteString("CREATE TYPE " + cond(s.IfNotExists, "IF NOT EXISTS ", ""))
		b.WriteString(FormatIdent(s.Name) + " AS " + s.Type.String())
	case *DropType:
		b.WriteString("DROP TYPE " + cond(s.IfExists, "IF EXISTS ", "") + FormatIdent(s.Name))
	case *Terminate:
		b.WriteString("TERMINATE " + cond(s.All, "ALL", FormatIdent(s.QueryID)))
	case *RunScript:
		b.WriteString("RUN SCRIPT " + formatString(s.Path))
	case *AlterSource:
		b.WriteString("ALTER " + s.Kind.String() + " " + FormatIdent(s.Name))
		for i, col := range s.Columns {
			b.WriteString(cond(i > 0, ",", "") + " ADD COLUMN " + FormatIdent(col.Name) + " " + col.Type.String())
		}
	case *PauseResume:
		b.WriteString(cond(s.Resume, "RESUME ", "PAUSE ") + cond(s.All, "ALL", FormatIdent(s.QueryID)))
	case *AwaitIdle:
		b.WriteString("AWAIT IDLE")
		if s.Timeout != 0 {
			b.WriteString(" TIMEOUT " + formatDuration(s.Timeout))
		}
	case *AssertTopic:
		b.WriteString("ASSERT " + cond(s.NotExists, "NOT EXISTS ", "") + "TOPIC " + FormatIdent(s.Topic))
		formatProps(b, s.Props)
		if s.Timeout != 0 {
			b.WriteString(" TIMEOUT " + formatDuration(s.Timeout))
		}
	case *AssertSchema:
		b.WriteString("ASSERT " + cond(s.NotExists, "NOT EXISTS ", "") + "SCHEMA")
		if s.Subject != "" {
			b.WriteString(" SUBJECT " + FormatIdent(s.Subject))
		}
		if s.ID != 0 {
			b.WriteString(" ID " + strconv.Itoa(s.ID))
		}
		if s.Timeout != 0 {
			b.WriteString(" TIMEOUT " + formatDuration(s.Timeout))
		}
	case *SetProperty:
		b.WriteString("SET " + formatString(s.Name) + "=" + formatString(s.Value))
	case *UnsetProperty:
		b.WriteString("UNSET " + formatString(s.Name))
	case *Print:
		b.WriteString("PRINT " + formatString(s.Topic))
		b.WriteString(cond(s.FromBeginning, " FROM BEGINNING", ""))
		if s.Interval != 0 {
			b.WriteString(" INTERVAL " + strconv.FormatInt(s.Interval, 10))
		}
		if s.Limit >= 0 {
			b.WriteString(" LIMIT " + strconv.FormatInt(s.Limit, 10))
		}
	case *Explain:
		b.WriteString("EXPLAIN ")
		if s.Statement != nil {
			formatStmt(b, s.Statement)
		} else {
			b.WriteString(FormatIdent(s.QueryID))
		}
	default:
		b.WriteString("?")
	}
}

func formatProps(b *strings.Builder, props []Property) {
	if props == nil {
		return
	}
	b.WriteString(" WITH (")
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(FormatIdent(p.Key) + "=" + formatValue(p.Value))
	}
	b.WriteString(")")
}

func formatSelect(b *strings.Builder, s *Select) {
	b.WriteString("SELECT ")
	for i, it := range s.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case it.Star && it.StarQualifier != "":
			b.WriteString(FormatIdent(it.StarQualifier) + ".*")
		case it.Star:
			b.WriteString("*")
		default:
			formatExpr(b, it.Expr)
			if it.Alias != "" {
				b.WriteString(" AS " + FormatIdent(it.Alias))
			}
		}
	}
	b.WriteString(" FROM ")
	formatRelation(b, s.From)
	if w := s.Window; w != nil {
		switch w.Kind {
		case Tumbling:
			b.WriteString(" WINDOW TUMBLING (SIZE " + formatDuration(w.Size))
		case Hopping:
			b.WriteString(" WINDOW HOPPING (SIZE " + formatDuration(w.Size) + ", ADVANCE BY " + formatDuration(w.Advance))
		case Session:
			b.WriteString(" WINDOW SESSION (" + formatDuration(w.Size))
		}
		if w.HasRetention {
			b.WriteString(", RETENTION " + formatDuration(w.Retention))
		}
		if w.HasGrace {
			b.WriteString(", GRACE PERIOD " + formatDuration(w.Grace))
		}
		b.WriteString(")")
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		formatExpr(b, s.Where)
	}
	if s.GroupBy != nil {
		b.WriteString(" GROUP BY ")
		formatList(b, s.GroupBy)
	}
	if s.PartitionBy != nil {
		b.WriteString(" PARTITION BY ")
		formatList(b, s.PartitionBy)
	}
	if s.Having != nil {
		b.WriteString(" HAVING ")
		formatExpr(b, s.Having)
	}
	if s.OrderBy != nil {
		b.WriteString(" ORDER BY ")
		for i, o := range s.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			formatExpr(b, o.Expr)
			b.WriteString(cond(o.Desc, " DESC", ""))
		}
	}
	switch s.Emit {
	case EmitChanges:
		b.WriteString(" EMIT CHANGES")
	case EmitFinal:
		b.WriteString(" EMIT FINAL")
	}
	if s.Limit >= 0 {
		b.WriteString(" LIMIT " + strconv.FormatInt(s.Limit, 10))
	}
}

func formatRelation(b *strings.Builder, r Relation) {
	switch r := r.(type) {
	case *TableRef:
		b.WriteString(FormatIdent(r.Name))
		if r.Alias != "" {
			b.WriteString(" " + FormatIdent(r.Alias))
		}
	case *Join:
		formatRelation(b, r.Left)
		b.WriteString([...]string{" INNER JOIN ", " LEFT OUTER JOIN ", " RIGHT OUTER JOIN ", " FULL OUTER JOIN "}[r.Kind])
		formatRelation(b, r.Right)
		if w := r.Within; w != nil {
			if w.Before == w.After {
				b.WriteString(" WITHIN " + formatDuration(w.Before))
			} else {
				b.WriteString(" WITHIN (" + formatDuration(w.Before) + ", " + formatDuration(w.After) + ")")
			}
			if w.HasGrace {
				b.WriteString(" GRACE PERIOD " + formatDuration(w.Grace))
			}
		}
		b.WriteString(" ON ")
		formatExpr(b, r.On)
	}
}

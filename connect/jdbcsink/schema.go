package jdbcsink

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// prepareTable makes sure a table can take the topic's rows: it creates it
// (auto.create) with its primary key, or adds the missing columns, nullable
// (auto.evolve), as the JDBC sink does; without those settings a missing
// table or column is an error saying which setting would fix it.
func prepareTable(ctx context.Context, pool *pgxpool.Pool, cfg *Config, t *table) error {
	existing, err := tableColumns(ctx, pool, t.name)
	if err != nil {
		return err
	}
	name := t.name.Sanitize()
	if existing == nil {
		if !cfg.AutoCreate {
			return permanent("table %s does not exist (set auto.create=true to create it)", name)
		}
		var b strings.Builder
		b.WriteString("CREATE TABLE IF NOT EXISTS " + name + " (")
		for i, c := range t.cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pgx.Identifier{c.name}.Sanitize() + " " + c.pgType)
			if c.pk {
				b.WriteString(" NOT NULL")
			}
		}
		if pk := t.pkCols(); len(pk) > 0 {
			b.WriteString(", PRIMARY KEY (" + identList(pk) + ")")
		}
		b.WriteString(")")
		_, err := pool.Exec(ctx, b.String())
		return err
	}
	var missing []column
	for _, c := range t.cols {
		if !existing[c.name] {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !cfg.AutoEvolve {
		return permanent("table %s has no column %s (set auto.evolve=true to add it)", name, missing[0].name)
	}
	for _, c := range missing {
		if c.pk {
			return permanent("table %s has no primary key column %s, and auto.evolve adds only nullable columns", name, c.name)
		}
		if _, err := pool.Exec(ctx, "ALTER TABLE "+name+" ADD COLUMN IF NOT EXISTS "+pgx.Identifier{c.name}.Sanitize()+" "+c.pgType); err != nil {
			return err
		}
	}
	return nil
}

// tableColumns returns the names of a table's columns, nil when it does not exist.
func tableColumns(ctx context.Context, pool *pgxpool.Pool, name pgx.Identifier) (map[string]bool, error) {
	var rows pgx.Rows
	var err error
	if len(name) == 1 {
		rows, err = pool.Query(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, name[0])
	} else {
		rows, err = pool.Query(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = $2`, name[len(name)-2], name[len(name)-1])
	}
	if err != nil {
		return nil, err
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(cols) == 0 {
		return nil, err
	}
	out := map[string]bool{}
	for _, c := range cols {
		out[c] = true
	}
	return out, nil
}

func identList(cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c.name}.Sanitize()
	}
	return strings.Join(names, ", ")
}

// permanentError is a mismatch between the configuration and the database
// that no retry fixes.
type permanentError struct{ error }

func permanent(format string, args ...any) error {
	return permanentError{fmt.Errorf(format, args...)}
}

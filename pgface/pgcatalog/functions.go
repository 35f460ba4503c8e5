package pgcatalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/sqlerr"
)

// functions returns the catalog and session functions for one statement.
func (s *Session) functions(snap *snapshot) map[string]*pgeval.Func {
	if snap.funcs != nil {
		return snap.funcs
	}
	constant := func(ret uint32, v any) *pgeval.Func {
		return &pgeval.Func{Ret: ret, MaxArgs: 0, Eval: func(*pgeval.Ctx, []any) (any, error) { return v, nil }}
	}
	always := func(ret uint32, minArgs, maxArgs int, v any) *pgeval.Func {
		return &pgeval.Func{Ret: ret, MinArgs: minArgs, MaxArgs: maxArgs, NonStrict: true, Eval: func(*pgeval.Ctx, []any) (any, error) { return v, nil }}
	}
	oidArg := []uint32{pgeval.OID, pgeval.Int4, pgeval.Bool}
	privilege := always(pgeval.Bool, 1, 3, true)
	visible := &pgeval.Func{Ret: pgeval.Bool, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
		return snap.visible(a[0].(int64)), nil
	}}
	f := map[string]*pgeval.Func{
		"version":            constant(pgeval.Text, s.cfg.Version),
		"current_database":   constant(pgeval.Name, s.database),
		"current_catalog":    constant(pgeval.Name, s.database),
		"current_user":       constant(pgeval.Name, s.user),
		"session_user":       constant(pgeval.Name, s.user),
		"user":               constant(pgeval.Name, s.user),
		"current_role":       constant(pgeval.Name, s.user),
		"current_schema":     constant(pgeval.Name, "public"),
		"pg_backend_pid":     constant(pgeval.Int4, int64(s.pid)),
		"pg_is_in_recovery":  constant(pgeval.Bool, false),
		"inet_server_addr":   constant(pgeval.Text, nil),
		"inet_server_port":   constant(pgeval.Int4, nil),
		"txid_current":       constant(pgeval.Int8, int64(1)),
		"pg_current_xact_id": constant(pgeval.Int8, int64(1)),
		"pg_postmaster_start_time": {Ret: pgeval.TimestampTZ, Eval: func(*pgeval.Ctx, []any) (any, error) {
			return s.cfg.StartTime.UTC().Truncate(time.Microsecond), nil
		}},
		"current_schemas": {Ret: pgeval.NameArr, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.Bool}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			if a[0] == true {
				return []any{"pg_catalog", "public"}, nil
			}
			return []any{"public"}, nil
		}},
		"current_setting": {Ret: pgeval.Text, MinArgs: 1, MaxArgs: 2, Args: []uint32{pgeval.Text, pgeval.Bool}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			name := a[0].(string)
			if !IsParameter(name) {
				if len(a) == 2 && a[1] == true {
					return nil, nil
				}
				return nil, sqlerr.Newf(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", name)
			}
			return s.settings.get(name), nil
		}},
		"set_config": {Ret: pgeval.Text, MinArgs: 3, MaxArgs: 3, Args: []uint32{pgeval.Text, pgeval.Text, pgeval.Bool}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			s.settings.set(a[0].(string), a[1].(string))
			return a[1], nil
		}},
		"pg_table_is_visible": visible,
		"pg_type_is_visible":  always(pgeval.Bool, 1, 1, true),
		"pg_get_userbyid": {Ret: pgeval.Name, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			if a[0].(int64) == roleOID {
				return s.user, nil
			}
			return fmt.Sprintf("unknown (OID=%d)", a[0]), nil
		}},
		"pg_encoding_to_char": {Ret: pgeval.Name, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.Int4}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			if a[0].(int64) == 6 {
				return "UTF8", nil
			}
			return "", nil
		}},
		// Sluice stores no expressions (defaults, index predicates, partition
		// bounds): every pg_node_tree is NULL, so pg_get_expr never sees one.
		"pg_get_expr": {Ret: pgeval.Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{pgeval.PgNodeTree, pgeval.OID, pgeval.Bool}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			return a[0], nil
		}},
		"pg_get_indexdef": {Ret: pgeval.Text, MinArgs: 1, MaxArgs: 3, Args: oidArg, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			r, ok := snap.indexes[a[0].(int64)]
			if !ok {
				return nil, nil
			}
			if len(a) >= 2 {
				if col := a[1].(int64); col > 0 {
					if col > int64(len(r.pkey)) {
						return "", nil
					}
					return pgeval.QuoteIdent(colName(r.src.Columns[r.pkey[col-1]-1])), nil
				}
			}
			return indexDef(r), nil
		}},
		"pg_get_constraintdef": {Ret: pgeval.Text, MinArgs: 1, MaxArgs: 2, Args: []uint32{pgeval.OID, pgeval.Bool}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			for _, r := range snap.rels {
				if r.conOID == a[0].(int64) {
					return "PRIMARY KEY (" + pkeyColumns(r) + ")", nil
				}
			}
			return nil, nil
		}},
		"col_description": {Ret: pgeval.Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{pgeval.OID, pgeval.Int4}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			r, ok := snap.byOID[a[0].(int64)]
			n := a[1].(int64)
			if !ok || n < 1 || n > int64(len(r.src.Columns)) {
				return nil, nil
			}
			if d := describeColumn(r.src, r.src.Columns[n-1]); d != "" {
				return d, nil
			}
			return nil, nil
		}},
		"obj_description": {Ret: pgeval.Text, MinArgs: 1, MaxArgs: 2, Args: []uint32{pgeval.OID, pgeval.Name}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			if r, ok := snap.byOID[a[0].(int64)]; ok && (len(a) == 1 || a[1] == "pg_class") {
				return describe(r.src), nil
			}
			if p, ok := snap.virt.procByOID[a[0].(int64)]; ok && p.Description != nil && (len(a) == 1 || a[1] == "pg_proc") {
				return *p.Description, nil
			}
			return nil, nil
		}},
		"shobj_description":               always(pgeval.Text, 2, 2, nil),
		"has_table_privilege":             privilege,
		"has_schema_privilege":            privilege,
		"has_database_privilege":          privilege,
		"has_any_column_privilege":        privilege,
		"has_column_privilege":            always(pgeval.Bool, 2, 4, true),
		"has_function_privilege":          privilege,
		"has_sequence_privilege":          privilege,
		"pg_has_role":                     privilege,
		"pg_relation_is_publishable":      always(pgeval.Bool, 1, 1, false),
		"pg_get_serial_sequence":          always(pgeval.Text, 2, 2, nil),
		"pg_get_statisticsobjdef_columns": always(pgeval.Text, 1, 1, nil),
		"pg_get_viewdef":                  always(pgeval.Text, 1, 2, nil),
		"pg_get_triggerdef":               always(pgeval.Text, 1, 2, nil),
		"pg_get_ruledef":                  always(pgeval.Text, 1, 2, nil),
		"pg_get_partkeydef":               always(pgeval.Text, 1, 1, nil),
		"pg_tablespace_location":          always(pgeval.Text, 1, 1, ""),
		"pg_total_relation_size":          always(pgeval.Int8, 1, 1, int64(0)),
		"pg_relation_size":                always(pgeval.Int8, 1, 2, int64(0)),
		"pg_table_size":                   always(pgeval.Int8, 1, 1, int64(0)),
		"pg_indexes_size":                 always(pgeval.Int8, 1, 1, int64(0)),
		"pg_database_size":                always(pgeval.Int8, 1, 1, int64(0)),
		"pg_size_pretty": {Ret: pgeval.Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.Int8}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			return fmt.Sprintf("%d bytes", a[0]), nil
		}},
		"to_regclass": {Ret: pgeval.RegClass, MinArgs: 1, MaxArgs: 1, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			oid, err := snap.OIDOf(pgeval.RegClass, a[0].(string))
			if err != nil {
				return nil, nil
			}
			return oid, nil
		}},
		"to_regtype": {Ret: pgeval.RegType, MinArgs: 1, MaxArgs: 1, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			oid, err := snap.OIDOf(pgeval.RegType, a[0].(string))
			if err != nil {
				return nil, nil
			}
			return oid, nil
		}},
	}
	// Nothing but relations is user-defined in Sluice: every other kind of object
	// is a built-in, visible in pg_catalog.
	for _, kind := range []string{"conversion", "operator", "opclass", "opfamily", "collation", "statistics_obj",
		"ts_config", "ts_parser", "ts_dict", "ts_template"} {
		f["pg_"+kind+"_is_visible"] = always(pgeval.Bool, 1, 1, true)
	}
	procFunctions(snap, f)
	f["getdatabaseencoding"] = constant(pgeval.Name, "UTF8")
	f["pg_char_to_encoding"] = &pgeval.Func{Ret: pgeval.Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
		if e := strings.ToUpper(strings.ReplaceAll(a[0].(string), "-", "")); e == "UTF8" || e == "UNICODE" {
			return int64(6), nil
		}
		return int64(-1), nil
	}}
	snap.funcs = f
	return f
}

// visible reports whether a relation is found by an unqualified name: user
// relations (public) and pg_catalog ones.
func (s *snapshot) visible(oid int64) bool {
	if _, ok := s.byOID[oid]; ok {
		return true
	}
	if _, ok := s.indexes[oid]; ok {
		return true
	}
	for _, v := range s.virt.all {
		if v.oid == oid {
			return v.schema == "pg_catalog"
		}
	}
	return false
}

// versionString is what version() returns; SQLAlchemy and others parse the
// "PostgreSQL x.y" prefix.
func versionString(serverVersion, sluiceVersion string) string {
	if sluiceVersion == "" {
		sluiceVersion = "dev"
	}
	return "PostgreSQL " + strings.TrimSpace(serverVersion) + " on x86_64-pc-linux-gnu (Sluice " + sluiceVersion + ")"
}

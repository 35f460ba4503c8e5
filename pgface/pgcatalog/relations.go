package pgcatalog

import (
	"time"

	"fmt"
	"hash/fnv"
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/types"
)

// virtualRelation is one pg_catalog or information_schema relation: its columns,
// declared as "name type, ..." in Postgres type names, and how its rows are built
// from a snapshot (nil: always empty, like pg_policy when nothing uses policies).
type virtualRelation struct {
	schema, name string
	oid          int64
	kind         byte // relkind: 'r' table, 'v' view
	spec         string
	rows         func(*snapshot) [][]any
	cols         []pgeval.Column
}

func (v *virtualRelation) columns() []pgeval.Column { return v.cols }

// relationSet is every virtual relation, in declaration order and by name. A
// Catalog builds it once (newRelationSet); it is never modified after, so every
// session and snapshot of the Catalog reads it.
type relationSet struct {
	all    []*virtualRelation
	byName map[string]*virtualRelation
	// procs are pg_proc's rows: PostgreSQL's built-in functions that the
	// Postgres path implements.
	procs     []*builtinProc
	procByOID map[int64]*builtinProc
}

func newRelationSet() *relationSet {
	typeOIDs := map[string]uint32{}
	for _, t := range pgeval.BuiltinTypes() {
		typeOIDs[t.Name] = t.OID
	}
	rs := &relationSet{byName: map[string]*virtualRelation{}, procs: parseBuiltinProcs(), procByOID: map[int64]*builtinProc{}}
	for _, p := range rs.procs {
		rs.procByOID[p.OID] = p
	}
	for _, v := range relationDefs() {
		v.cols = parseSpec(v.spec, typeOIDs)
		if v.oid == 0 {
			h := fnv.New32a()
			h.Write([]byte(v.schema + "." + v.name))
			v.oid = 12000 + int64(h.Sum32()%4000)
		}
		rs.all = append(rs.all, v)
		rs.byName[v.name] = v
	}
	return rs
}

// parseSpec parses "name type, name type[]": the declared columns of a relation,
// with type names looked up in typeOIDs.
func parseSpec(spec string, typeOIDs map[string]uint32) []pgeval.Column {
	var cols []pgeval.Column
	for _, part := range strings.Split(spec, ",") {
		f := strings.Fields(strings.TrimSpace(part))
		if len(f) != 2 {
			panic(fmt.Sprintf("pgcatalog: bad column spec %q", part))
		}
		typ := f[1]
		dims := 0
		for strings.HasSuffix(typ, "[]") {
			typ = strings.TrimSuffix(typ, "[]")
			dims++
		}
		oid, ok := typeOIDs[typ]
		if !ok {
			panic(fmt.Sprintf("pgcatalog: unknown type %q in column spec", typ))
		}
		for range dims {
			oid = pgeval.ArrayOf(oid)
		}
		cols = append(cols, pgeval.Column{Name: f[0], Type: pgeval.Type{OID: oid}})
	}
	return cols
}

// relationDefs declares every virtual relation. Columns follow Postgres 13-15;
// rows come from the snapshot.
func relationDefs() []*virtualRelation {
	pc := "pg_catalog"
	is := "information_schema"
	return []*virtualRelation{
		{schema: pc, name: "pg_namespace", oid: 2615, kind: 'r', spec: "oid oid, nspname name, nspowner oid, nspacl aclitem[]", rows: namespaceRows},
		{schema: pc, name: "pg_class", oid: classPgClass, kind: 'r', spec: "oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4, reltoastrelid oid, relhasindex bool, relisshared bool, relpersistence char, relkind char, relnatts int2, relchecks int2, relhasrules bool, relhastriggers bool, relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool, relispopulated bool, relreplident char, relispartition bool, relrewrite oid, relacl aclitem[], reloptions text[], relpartbound pg_node_tree", rows: classRows},
		{schema: pc, name: "pg_attribute", oid: 1249, kind: 'r', spec: "attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2, attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign char, attstorage char, attcompression char, attnotnull bool, atthasdef bool, atthasmissing bool, attidentity char, attgenerated char, attisdropped bool, attislocal bool, attinhcount int4, attcollation oid, attacl aclitem[], attoptions text[], attfdwoptions text[]", rows: attributeRows},
		{schema: pc, name: "pg_type", oid: 1247, kind: 'r', spec: "oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype char, typcategory char, typispreferred bool, typisdefined bool, typdelim char, typrelid oid, typelem oid, typarray oid, typinput text, typoutput text, typreceive text, typsend text, typalign char, typstorage char, typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, typcollation oid, typdefaultbin pg_node_tree, typdefault text, typacl aclitem[]", rows: typeRows},
		{schema: pc, name: "pg_database", oid: 1262, kind: 'r', spec: "oid oid, datname name, datdba oid, encoding int4, datlocprovider char, datistemplate bool, datallowconn bool, datconnlimit int4, dattablespace oid, datcollate text, datctype text, daticulocale text, datcollversion text, datacl aclitem[]", rows: databaseRows},
		{schema: pc, name: "pg_roles", oid: 0, kind: 'v', spec: "rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text, rolvaliduntil text, rolbypassrls bool, rolconfig text[], oid oid", rows: func(s *snapshot) [][]any {
			return [][]any{{s.sess.user, false, true, false, false, true, false, int64(-1), "********", nil, false, nil, int64(roleOID)}}
		}},
		{schema: pc, name: "pg_user", oid: 0, kind: 'v', spec: "usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text, valuntil text, useconfig text[]", rows: func(s *snapshot) [][]any {
			return [][]any{{s.sess.user, int64(roleOID), false, false, false, false, "********", nil, nil}}
		}},
		{schema: pc, name: "pg_description", oid: 2609, kind: 'r', spec: "objoid oid, classoid oid, objsubid int4, description text", rows: descriptionRows},
		{schema: pc, name: "pg_attrdef", oid: 2604, kind: 'r', spec: "oid oid, adrelid oid, adnum int2, adbin pg_node_tree"},
		{schema: pc, name: "pg_am", oid: 2601, kind: 'r', spec: "oid oid, amname name, amhandler text, amtype char", rows: func(*snapshot) [][]any {
			return [][]any{{int64(amHeap), "heap", "heap_tableam_handler", "t"}, {int64(amBtree), "btree", "bthandler", "i"}, {int64(amHash), "hash", "hashhandler", "i"}}
		}},
		{schema: pc, name: "pg_index", oid: 2610, kind: 'r', spec: "indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector, indcollation oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree", rows: indexRows},
		{schema: pc, name: "pg_constraint", oid: 2606, kind: 'r', spec: "oid oid, conname name, connamespace oid, contype char, condeferrable bool, condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid, confupdtype char, confdeltype char, confmatchtype char, conislocal bool, coninhcount int4, connoinherit bool, conkey int2[], confkey int2[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], conexclop oid[], conbin pg_node_tree", rows: constraintRows},
		{schema: pc, name: "pg_proc", oid: 1255, kind: 'r', spec: "oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char, pronargs int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]", rows: procRows},
		{schema: pc, name: "pg_settings", oid: 0, kind: 'v', spec: "name text, setting text, unit text, category text, short_desc text, extra_desc text, context text, vartype text, source text, min_val text, max_val text, enumvals text[], boot_val text, reset_val text, pending_restart bool", rows: settingsRows},
		{schema: pc, name: "pg_enum", oid: 3501, kind: 'r', spec: "oid oid, enumtypid oid, enumsortorder float4, enumlabel name"},
		{schema: pc, name: "pg_collation", oid: 3456, kind: 'r', spec: "oid oid, collname name, collnamespace oid, collowner oid, collprovider char, collisdeterministic bool, collencoding int4, collcollate text, collctype text, colliculocale text, collversion text", rows: func(*snapshot) [][]any {
			return [][]any{
				{int64(100), "default", int64(nsPgCatalog), int64(roleOID), "d", true, int64(-1), nil, nil, nil, nil},
				{int64(950), "C", int64(nsPgCatalog), int64(roleOID), "c", true, int64(-1), "C", "C", nil, nil},
				{int64(951), "POSIX", int64(nsPgCatalog), int64(roleOID), "c", true, int64(-1), "POSIX", "POSIX", nil, nil},
			}
		}},
		{schema: pc, name: "pg_tablespace", oid: 1213, kind: 'r', spec: "oid oid, spcname name, spcowner oid, spcacl aclitem[], spcoptions text[]", rows: func(*snapshot) [][]any {
			return [][]any{{int64(tablespaceOID), "pg_default", int64(roleOID), nil, nil}, {int64(1664), "pg_global", int64(roleOID), nil, nil}}
		}},
		{schema: pc, name: "pg_extension", oid: 3079, kind: 'r', spec: "oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text, extconfig oid[], extcondition text[]"},
		{schema: pc, name: "pg_sequence", oid: 2224, kind: 'r', spec: "seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool"},
		{schema: pc, name: "pg_inherits", oid: 2611, kind: 'r', spec: "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool"},
		{schema: pc, name: "pg_policy", oid: 3256, kind: 'r', spec: "oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree"},
		{schema: pc, name: "pg_statistic_ext", oid: 3381, kind: 'r', spec: "oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector, stxkind char[], stxexprs pg_node_tree"},
		{schema: pc, name: "pg_publication", oid: 6104, kind: 'r', spec: "oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool"},
		{schema: pc, name: "pg_publication_rel", oid: 6106, kind: 'r', spec: "oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector"},
		{schema: pc, name: "pg_publication_namespace", oid: 6237, kind: 'r', spec: "oid oid, pnpubid oid, pnnspid oid"},
		{schema: pc, name: "pg_trigger", oid: 2620, kind: 'r', spec: "oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, tgattr int2vector, tgqual pg_node_tree"},
		{schema: pc, name: "pg_rewrite", oid: 2618, kind: 'r', spec: "oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead bool, ev_qual pg_node_tree, ev_action pg_node_tree"},
		{schema: pc, name: "pg_depend", oid: 2608, kind: 'r', spec: "classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char"},
		{schema: pc, name: "pg_foreign_table", oid: 3118, kind: 'r', spec: "ftrelid oid, ftserver oid, ftoptions text[]"},
		{schema: pc, name: "pg_partitioned_table", oid: 3350, kind: 'r', spec: "partrelid oid, partstrat char, partnatts int2, partdefid oid, partattrs int2vector"},
		{schema: pc, name: "pg_auth_members", oid: 1261, kind: 'r', spec: "oid oid, roleid oid, member oid, grantor oid, admin_option bool"},
		{schema: pc, name: "pg_db_role_setting", oid: 2964, kind: 'r', spec: "setdatabase oid, setrole oid, setconfig text[]"},
		{schema: pc, name: "pg_language", oid: 2612, kind: 'r', spec: "oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, laninline oid, lanvalidator oid, lanacl aclitem[]", rows: languageRows},
		{schema: pc, name: "pg_operator", oid: 2617, kind: 'r', spec: "oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind char, oprcanmerge bool, oprcanhash bool, oprleft oid, oprright oid, oprresult oid, oprcom oid, oprnegate oid, oprcode text, oprrest text, oprjoin text"},
		{schema: pc, name: "pg_cast", oid: 2605, kind: 'r', spec: "oid oid, castsource oid, casttarget oid, castfunc oid, castcontext char, castmethod char"},
		{schema: pc, name: "pg_conversion", oid: 2607, kind: 'r', spec: "oid oid, conname name, connamespace oid, conowner oid, conforencoding int4, contoencoding int4, conproc text, condefault bool"},
		{schema: pc, name: "pg_event_trigger", oid: 3466, kind: 'r', spec: "oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled char, evttags text[]"},
		{schema: pc, name: "pg_largeobject_metadata", oid: 2995, kind: 'r', spec: "oid oid, lomowner oid, lomacl aclitem[]"},
		{schema: pc, name: "pg_foreign_data_wrapper", oid: 2328, kind: 'r', spec: "oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid, fdwacl aclitem[], fdwoptions text[]"},
		{schema: pc, name: "pg_foreign_server", oid: 1417, kind: 'r', spec: "oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text, srvacl aclitem[], srvoptions text[]"},
		{schema: pc, name: "pg_user_mappings", kind: 'v', spec: "umid oid, srvid oid, srvname name, umuser oid, usename name, umoptions text[]"},
		{schema: pc, name: "pg_ts_config", oid: 3602, kind: 'r', spec: "oid oid, cfgname name, cfgnamespace oid, cfgowner oid, cfgparser oid"},
		{schema: pc, name: "pg_ts_parser", oid: 3601, kind: 'r', spec: "oid oid, prsname name, prsnamespace oid"},
		{schema: pc, name: "pg_ts_dict", oid: 3600, kind: 'r', spec: "oid oid, dictname name, dictnamespace oid, dictowner oid, dicttemplate oid, dictinitoption text"},
		{schema: pc, name: "pg_ts_template", oid: 3764, kind: 'r', spec: "oid oid, tmplname name, tmplnamespace oid, tmplinit text, tmpllexize text"},
		{schema: pc, name: "pg_opclass", oid: 2616, kind: 'r', spec: "oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, opcfamily oid, opcintype oid, opcdefault bool, opckeytype oid"},
		{schema: pc, name: "pg_opfamily", oid: 2753, kind: 'r', spec: "oid oid, opfmethod oid, opfname name, opfnamespace oid, opfowner oid"},
		{schema: pc, name: "pg_aggregate", oid: 2600, kind: 'r', spec: "aggfnoid oid, aggkind char, aggnumdirectargs int2, aggtransfn text, aggfinalfn text", rows: aggregateRows},
		{schema: pc, name: "pg_shdescription", oid: 2396, kind: 'r', spec: "objoid oid, classoid oid, description text"},
		{schema: pc, name: "pg_init_privs", oid: 3394, kind: 'r', spec: "objoid oid, classoid oid, objsubid int4, privtype char, initprivs aclitem[]"},
		{schema: pc, name: "pg_seclabel", oid: 3596, kind: 'r', spec: "objoid oid, classoid oid, objsubid int4, provider text, label text"},
		{schema: pc, name: "pg_subscription", oid: 6100, kind: 'r', spec: "oid oid, subdbid oid, subname name, subowner oid, subenabled bool, subconninfo text, subslotname name, subpublications text[]"},
		{schema: pc, name: "pg_default_acl", oid: 826, kind: 'r', spec: "oid oid, defaclrole oid, defaclnamespace oid, defaclobjtype char, defaclacl aclitem[]"},
		{schema: pc, name: "pg_available_extensions", kind: 'v', spec: "name name, default_version text, installed_version text, comment text"},
		{schema: pc, name: "pg_timezone_names", kind: 'v', spec: "name text, abbrev text, utc_offset text, is_dst bool", rows: func(*snapshot) [][]any {
			return [][]any{{"UTC", "UTC", "00:00:00", false}}
		}},
		{schema: pc, name: "pg_tables", kind: 'v', spec: "schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, r := range s.rels {
				out = append(out, []any{"public", relName(r.src), s.sess.user, nil, r.indexOID != 0, false, false, false})
			}
			return out
		}},
		{schema: pc, name: "pg_views", kind: 'v', spec: "schemaname name, viewname name, viewowner name, definition text"},
		{schema: pc, name: "pg_matviews", kind: 'v', spec: "schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text"},
		{schema: pc, name: "pg_indexes", kind: 'v', spec: "schemaname name, tablename name, indexname name, tablespace name, indexdef text", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, r := range s.rels {
				if r.indexOID != 0 {
					out = append(out, []any{"public", relName(r.src), pkeyName(r), nil, indexDef(r)})
				}
			}
			return out
		}},
		{schema: pc, name: "pg_stat_activity", kind: 'v', spec: "datid oid, datname name, pid int4, usesysid oid, usename name, application_name text, client_addr text, backend_start timestamptz, state text, query text", rows: func(s *snapshot) [][]any {
			return [][]any{{int64(databaseOID), s.sess.database, int64(s.sess.pid), int64(roleOID), s.sess.user, s.sess.settings.get("application_name"), nil, nil, "active", nil}}
		}},
		{schema: pc, name: "pg_cursors", kind: 'v', spec: "name text, statement text, is_holdable bool, is_binary bool, is_scrollable bool, creation_time timestamptz", rows: func(s *snapshot) [][]any {
			var out [][]any
			if s.sess.cursors != nil {
				for _, c := range s.sess.cursors() {
					out = append(out, []any{c.Name, c.Statement, c.Holdable, c.Binary, c.Scrollable, c.Created.UTC().Truncate(time.Microsecond)})
				}
			}
			return out
		}},
		{schema: pc, name: "pg_stat_user_tables", kind: 'v', spec: "relid oid, schemaname name, relname name, seq_scan int8, n_live_tup int8, n_dead_tup int8", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, r := range s.rels {
				out = append(out, []any{r.oid, "public", relName(r.src), int64(0), int64(0), int64(0)})
			}
			return out
		}},
		{schema: is, name: "schemata", kind: 'v', spec: "catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, default_character_set_schema name, default_character_set_name name, sql_path varchar", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, ns := range namespaces {
				out = append(out, []any{s.sess.database, ns.name, s.sess.user, nil, nil, nil, nil})
			}
			return out
		}},
		{schema: is, name: "tables", kind: 'v', spec: "table_catalog name, table_schema name, table_name name, table_type varchar, self_referencing_column_name name, reference_generation varchar, user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, is_insertable_into varchar, is_typed varchar, commit_action varchar", rows: infoTablesRows},
		{schema: is, name: "columns", kind: 'v', spec: "table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, column_default varchar, is_nullable varchar, data_type varchar, character_maximum_length int4, character_octet_length int4, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, interval_type varchar, interval_precision int4, character_set_catalog name, character_set_schema name, character_set_name name, collation_catalog name, collation_schema name, collation_name name, domain_catalog name, domain_schema name, domain_name name, udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name, is_self_referencing varchar, is_identity varchar, identity_generation varchar, identity_start varchar, identity_increment varchar, identity_maximum varchar, identity_minimum varchar, identity_cycle varchar, is_generated varchar, generation_expression varchar, is_updatable varchar", rows: infoColumnsRows},
		{schema: is, name: "views", kind: 'v', spec: "table_catalog name, table_schema name, table_name name, view_definition varchar, check_option varchar, is_updatable varchar, is_insertable_into varchar, is_trigger_updatable varchar, is_trigger_deletable varchar, is_trigger_insertable_into varchar"},
		{schema: is, name: "table_constraints", kind: 'v', spec: "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, constraint_type varchar, is_deferrable varchar, initially_deferred varchar, enforced varchar, nulls_distinct varchar", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, r := range s.rels {
				if r.conOID != 0 {
					out = append(out, []any{s.sess.database, "public", pkeyName(r), s.sess.database, "public", relName(r.src), "PRIMARY KEY", "NO", "NO", "YES", nil})
				}
			}
			return out
		}},
		{schema: is, name: "key_column_usage", kind: 'v', spec: "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, position_in_unique_constraint int4", rows: func(s *snapshot) [][]any {
			var out [][]any
			for _, r := range s.rels {
				for i, attnum := range r.pkey {
					out = append(out, []any{s.sess.database, "public", pkeyName(r), s.sess.database, "public", relName(r.src), colName(r.cols[attnum-1]), int64(i + 1), nil})
				}
			}
			return out
		}},
	}
}

func namespaceRows(*snapshot) [][]any {
	var out [][]any
	for _, ns := range namespaces {
		out = append(out, []any{ns.oid, ns.name, int64(roleOID), nil})
	}
	return out
}

func classRows(s *snapshot) [][]any {
	var out [][]any
	row := func(oid int64, name string, ns int64, am int64, kind string, natts int, hasIndex bool) []any {
		return []any{oid, name, ns, int64(0), int64(0), int64(roleOID), am, oid, int64(0), int64(0), float64(-1), int64(0),
			int64(0), hasIndex, false, "p", kind, int64(natts), int64(0), false, false, false, false, false, true, "d", false, int64(0), nil, nil, nil}
	}
	for _, r := range s.rels {
		out = append(out, row(r.oid, relName(r.src), nsPublic, amHeap, "r", len(r.cols), r.indexOID != 0))
		if r.indexOID != 0 {
			out = append(out, row(r.indexOID, pkeyName(r), nsPublic, amBtree, "i", len(r.pkey), false))
		}
	}
	for _, v := range s.virt.all {
		ns := int64(nsPgCatalog)
		if v.schema == "information_schema" {
			ns = nsInfoSchema
		}
		am := int64(amHeap)
		if v.kind == 'v' {
			am = 0
		}
		out = append(out, row(v.oid, v.name, ns, am, string(v.kind), len(v.cols), false))
	}
	return out
}

func attributeRows(s *snapshot) [][]any {
	var out [][]any
	row := func(rel int64, num int, name string, oid uint32, typmod int32, notNull bool) []any {
		t, _ := pgeval.LookupType(oid)
		storage, align := "p", "i"
		if t.Len == -1 {
			storage = "x"
		}
		if oid == pgeval.Numeric {
			storage = "m" // numeric is stored inline, compressible: Postgres' 'main'
		}
		if t.Len == 8 {
			align = "d"
		}
		collation := int64(0)
		if t.Category == 'S' {
			collation = 100
		}
		ndims := int64(0)
		if t.Category == 'A' {
			ndims = 1
		}
		return []any{rel, name, int64(oid), int64(-1), int64(t.Len), int64(num), ndims, int64(-1), int64(typmod), t.ByVal, align, storage, "",
			notNull, false, false, "", "", false, true, int64(0), collation, nil, nil, nil}
	}
	for _, r := range s.rels {
		pk := map[int64]bool{}
		for _, n := range r.pkey {
			pk[n] = true
		}
		for i, c := range r.cols {
			out = append(out, row(r.oid, i+1, colName(c), TypeOID(c.Type), TypeMod(c.Type), pk[int64(i+1)]))
		}
		for i, n := range r.pkey {
			c := r.cols[n-1]
			out = append(out, row(r.indexOID, i+1, colName(c), TypeOID(c.Type), TypeMod(c.Type), false))
		}
	}
	for _, v := range s.virt.all {
		for i, c := range v.cols {
			out = append(out, row(v.oid, i+1, c.Name, c.Type.OID, -1, false))
		}
	}
	return out
}

func typeRows(*snapshot) [][]any {
	var out [][]any
	for _, t := range pgeval.BuiltinTypes() {
		align := "i"
		switch {
		case t.Len == 8 || t.Category == 'A':
			align = "d"
		case t.Len == 1:
			align = "c"
		case t.Len == 2:
			align = "s"
		}
		storage := "p"
		if t.Len == -1 {
			storage = "x"
		}
		collation := int64(0)
		if t.Category == 'S' {
			collation = 100
		}
		in := strings.TrimPrefix(t.Name, "_")
		if t.Category == 'A' {
			in = "array"
		}
		out = append(out, []any{int64(t.OID), t.Name, int64(nsPgCatalog), int64(roleOID), int64(t.Len), t.ByVal, string(t.Kind), string(t.Category),
			false, true, ",", int64(0), int64(t.Elem), int64(t.Array), in + "_in", in + "_out", in + "_recv", in + "_send", align, storage,
			false, int64(0), int64(-1), int64(0), collation, nil, nil, nil})
	}
	return out
}

func databaseRows(s *snapshot) [][]any {
	return [][]any{{int64(databaseOID), s.sess.database, int64(roleOID), int64(6), "c", false, true, int64(-1), int64(tablespaceOID), "C.UTF-8", "C.UTF-8", nil, nil, nil}}
}

// describe is the comment Sluice gives a stream or table.
func describe(src *catalog.Source) string {
	kind := "stream"
	if src.Kind == catalog.Table {
		kind = "table"
	}
	d := fmt.Sprintf("Sluice %s over Kafka topic %s (key format %s, value format %s)", kind, src.Topic, src.KeyFormat, src.ValueFormat)
	if src.IsSource {
		d += ", read-only source"
	}
	return d
}

func describeColumn(src *catalog.Source, c types.Column) string {
	switch c.Role {
	case types.KeyColumn:
		if src.Kind == catalog.Table {
			return "primary key (Kafka record key)"
		}
		return "key (Kafka record key)"
	case types.HeaderColumn:
		return "Kafka record header"
	}
	return ""
}

func descriptionRows(s *snapshot) [][]any {
	var out [][]any
	for _, r := range s.rels {
		out = append(out, []any{r.oid, int64(classPgClass), int64(0), describe(r.src)})
		for i, c := range r.cols {
			if d := describeColumn(r.src, c); d != "" {
				out = append(out, []any{r.oid, int64(classPgClass), int64(i + 1), d})
			}
		}
	}
	return append(out, procDescriptionRows(s)...)
}

func indexRows(s *snapshot) [][]any {
	var out [][]any
	for _, r := range s.rels {
		if r.indexOID == 0 {
			continue
		}
		key := make([]any, len(r.pkey))
		opts := make([]any, len(r.pkey))
		coll := make([]any, len(r.pkey))
		class := make([]any, len(r.pkey))
		for i, n := range r.pkey {
			key[i] = n
			opts[i] = int64(0)
			coll[i] = int64(0)
			class[i] = int64(0)
		}
		n := int64(len(r.pkey))
		out = append(out, []any{r.indexOID, r.oid, n, n, true, false, true, false, true, false, true, false, true, true, false,
			key, coll, class, opts, nil, nil})
	}
	return out
}

func constraintRows(s *snapshot) [][]any {
	var out [][]any
	for _, r := range s.rels {
		if r.conOID == 0 {
			continue
		}
		key := make([]any, len(r.pkey))
		for i, n := range r.pkey {
			key[i] = n
		}
		out = append(out, []any{r.conOID, pkeyName(r), int64(nsPublic), "p", false, false, true, r.oid, int64(0), r.indexOID, int64(0), int64(0),
			" ", " ", " ", true, int64(0), true, key, nil, nil, nil, nil, nil, nil})
	}
	return out
}

func pkeyColumns(r *userRelation) string {
	names := make([]string, len(r.pkey))
	for i, n := range r.pkey {
		names[i] = pgeval.QuoteIdent(colName(r.cols[n-1]))
	}
	return strings.Join(names, ", ")
}

func indexDef(r *userRelation) string {
	return fmt.Sprintf("CREATE UNIQUE INDEX %s ON public.%s USING btree (%s)", pgeval.QuoteIdent(pkeyName(r)), pgeval.QuoteIdent(relName(r.src)), pkeyColumns(r))
}

func infoTablesRows(s *snapshot) [][]any {
	var out [][]any
	for _, r := range s.rels {
		out = append(out, []any{s.sess.database, "public", relName(r.src), "BASE TABLE", nil, nil, nil, nil, nil, "YES", "NO", nil})
	}
	for _, v := range s.virt.all {
		typ := "BASE TABLE"
		if v.kind == 'v' {
			typ = "VIEW"
		}
		out = append(out, []any{s.sess.database, v.schema, v.name, typ, nil, nil, nil, nil, nil, "NO", "NO", nil})
	}
	return out
}

func infoColumnsRows(s *snapshot) [][]any {
	var out [][]any
	for _, r := range s.rels {
		pk := map[int64]bool{}
		for _, n := range r.pkey {
			pk[n] = true
		}
		for i, c := range r.cols {
			oid := TypeOID(c.Type)
			t, _ := pgeval.LookupType(oid)
			dataType := pgeval.FormatType(oid, -1)
			udt := t.Name
			if t.Category == 'A' {
				dataType = "ARRAY"
			}
			nullable := "YES"
			if pk[int64(i+1)] {
				nullable = "NO"
			}
			var prec, radix, scale, dtPrec any
			switch oid {
			case pgeval.Int4:
				prec, radix, scale = int64(32), int64(2), int64(0)
			case pgeval.Int8:
				prec, radix, scale = int64(64), int64(2), int64(0)
			case pgeval.Float8:
				prec, radix = int64(53), int64(2)
			case pgeval.Numeric:
				radix = int64(10)
				if c.Type.Precision > 0 {
					prec, scale = int64(c.Type.Precision), int64(c.Type.Scale)
				}
			case pgeval.Timestamp, pgeval.Time:
				dtPrec = int64(3)
			case pgeval.Date:
				dtPrec = int64(0)
			}
			out = append(out, []any{s.sess.database, "public", relName(r.src), colName(c), int64(i + 1), nil, nullable, dataType,
				nil, nil, prec, radix, scale, dtPrec, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
				s.sess.database, "pg_catalog", udt, nil, nil, nil, nil, fmt.Sprint(i + 1), "NO", "NO", nil, nil, nil, nil, nil, "NO", "NEVER", nil, "YES"})
		}
	}
	return out
}

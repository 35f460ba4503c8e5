package pgcatalog

import (
	"context"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Sources is the engine's catalog as this package reads it.
type Sources interface {
	// Sources returns every stream and table; the result is not modified.
	Sources() []*catalog.Source
}

// Data reads the rows of Sluice's streams and tables, for queries over them (the
// engine implements it). Rows are laid out as plan.InputLayout: the source's
// columns, ROWTIME, ROWPARTITION, ROWOFFSET and, for windowed tables, WINDOWSTART
// and WINDOWEND, in package types' representation.
type Data interface {
	// Queryable reports whether src's rows can be read: streams and materialized
	// tables can; a plain CREATE TABLE over a topic cannot.
	Queryable(src *catalog.Source) bool
	// ScanRelation calls fn with every row of src (key not nil: only the rows of
	// that key, for an unwindowed table); a stream is read up to its end offsets
	// at the start of the scan.
	ScanRelation(ctx context.Context, src *catalog.Source, key []any, fn func(row []any) (bool, error)) error
}

// Well-known OIDs, as in a fresh Postgres cluster.
const (
	nsPgCatalog   = 11
	nsPublic      = 2200
	nsInfoSchema  = 13000
	nsPgToast     = 99
	roleOID       = 10
	databaseOID   = 5
	amHeap        = 2
	amBtree       = 403
	amHash        = 405
	tablespaceOID = 1663
	classPgClass  = 1259
	classPgProc   = 1255
	// firstUserOID is where Postgres starts numbering user objects.
	firstUserOID = 16384
)

// userRelation is a stream or table with the OIDs the catalog gives it.
type userRelation struct {
	src *catalog.Source
	// cols are the columns Postgres sees: the source's, then WINDOWSTART and
	// WINDOWEND for a windowed table.
	cols     []types.Column
	oid      int64
	pkey     []int64 // attnums of the primary key (tables only)
	indexOID int64   // 0 without a primary key
	conOID   int64
}

// snapshot is the catalog as one statement sees it. It implements pgeval.Catalog.
type snapshot struct {
	ctx       context.Context
	sess      *Session
	virt      *relationSet
	rels      []*userRelation
	byName    map[string]*userRelation
	byOID     map[int64]*userRelation
	indexes   map[int64]*userRelation // by index OID
	relations map[string]*pgeval.Relation
	funcs     map[string]*pgeval.Func
	// bindOnly is set for a statement that is bound but never run: its
	// relations need not be readable.
	bindOnly bool
}

func newSnapshot(ctx context.Context, s *Session) *snapshot {
	snap := &snapshot{
		ctx:       ctx,
		sess:      s,
		virt:      s.cat.rels,
		byName:    map[string]*userRelation{},
		byOID:     map[int64]*userRelation{},
		indexes:   map[int64]*userRelation{},
		relations: map[string]*pgeval.Relation{},
	}
	var srcs []*catalog.Source
	if s.src != nil {
		srcs = append(srcs, s.src.Sources()...)
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	used := map[int64]bool{}
	for _, v := range snap.virt.all {
		used[v.oid] = true
	}
	assign := func(key string) int64 {
		oid := userOID(key)
		for used[oid] {
			oid++
		}
		used[oid] = true
		return oid
	}
	for _, src := range srcs {
		r := &userRelation{src: src, cols: src.Columns, oid: assign("r:" + src.Name)}
		if src.Window != nil {
			r.cols = append(append([]types.Column(nil), src.Columns...),
				types.Column{Name: "WINDOWSTART", Type: types.BigIntType}, types.Column{Name: "WINDOWEND", Type: types.BigIntType})
		}
		if src.Kind == catalog.Table {
			for i, c := range src.Columns {
				if c.Role == types.KeyColumn {
					r.pkey = append(r.pkey, int64(i+1))
				}
			}
			if len(r.pkey) > 0 {
				r.indexOID = assign("i:" + src.Name)
				r.conOID = assign("c:" + src.Name)
				snap.indexes[r.indexOID] = r
			}
		}
		snap.rels = append(snap.rels, r)
		snap.byName[relName(src)] = r
		snap.byOID[r.oid] = r
	}
	return snap
}

// relName is the name a source has in Postgres (PostgresName).
func relName(src *catalog.Source) string { return PostgresName(src.Name) }

func colName(c types.Column) string { return PostgresName(c.Name) }

// PostgresName is the one rule for how ksqlDB's names appear on the Postgres
// wire. ksqlDB folds unquoted identifiers to upper case and Postgres folds them
// to lower case, so a name ksqlDB folded (no lower-case letter in it) is shown in
// lower case: CREATE TABLE district_totals becomes public.district_totals, and
// district_totals, DISTRICT_TOTALS and "district_totals" all resolve to it as in
// Postgres. A name that has lower-case letters was quoted in KSQL (`Mixed`) and
// is shown as it is: Postgres clients quote it ("Mixed").
func PostgresName(name string) string {
	if strings.ToUpper(name) == name {
		return strings.ToLower(name)
	}
	return name
}

func pkeyName(r *userRelation) string { return relName(r.src) + "_pkey" }

// userOID derives a stable OID from a name, at or above firstUserOID.
func userOID(key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return firstUserOID + int64(h.Sum32()%1_000_000_000)
}

// Relation implements pgeval.Catalog.
func (s *snapshot) Relation(schema, name string) (*pgeval.Relation, error) {
	switch schema {
	case "", "pg_catalog", "information_schema", "public":
	default:
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
	}
	v, ok := s.virt.byName[name]
	if _, user := s.byName[name]; ok && user && schema == "" && v.schema != "pg_catalog" {
		// information_schema is not on the search path: public's relation wins.
		ok = false
	}
	if ok && (schema == "" || schema == v.schema) {
		if rel, ok := s.relations[name]; ok {
			return rel, nil
		}
		rel := &pgeval.Relation{Columns: v.columns(), OID: v.oid}
		if v.rows != nil {
			rel.Rows = v.rows(s)
		}
		s.relations[name] = rel
		return rel, nil
	}
	if schema == "" || schema == "public" {
		if r, ok := s.byName[name]; ok {
			return s.userRelation(r)
		}
	}
	if schema != "" {
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation %q does not exist", name)
}

// CurrentDatabase implements pgeval.Database.
func (s *snapshot) CurrentDatabase() string { return s.sess.database }

// Function implements pgeval.Catalog.
func (s *snapshot) Function(name string) *pgeval.Func { return s.sess.functions(s)[name] }

// OIDOf implements pgeval.Names.
func (s *snapshot) OIDOf(typ uint32, name string) (int64, error) {
	name = strings.TrimSpace(name)
	switch typ {
	case pgeval.RegClass:
		schema, rel := splitQualified(name)
		if r, ok := s.byName[rel]; ok && (schema == "" || schema == "public") {
			return r.oid, nil
		}
		for _, r := range s.rels {
			if r.indexOID != 0 && pkeyName(r) == rel {
				return r.indexOID, nil
			}
		}
		if v, ok := s.virt.byName[rel]; ok && (schema == "" || schema == v.schema) {
			return v.oid, nil
		}
		return 0, sqlerr.Newf(sqlerr.UndefinedTable, "relation %q does not exist", name)
	case pgeval.RegType:
		for _, t := range pgeval.BuiltinTypes() {
			if t.Name == name || pgeval.FormatType(t.OID, -1) == name {
				return int64(t.OID), nil
			}
		}
		return 0, sqlerr.Newf(sqlerr.UndefinedObject, "type %q does not exist", name)
	case pgeval.RegNamespace:
		for _, ns := range namespaces {
			if ns.name == name {
				return ns.oid, nil
			}
		}
		return 0, sqlerr.Newf("3F000", "schema %q does not exist", name)
	case pgeval.RegRole:
		if name == s.sess.user {
			return roleOID, nil
		}
		return 0, sqlerr.Newf(sqlerr.UndefinedObject, "role %q does not exist", name)
	case pgeval.RegProc:
		// A function name, found when it names one function (unqualified:
		// on the search path, so pg_catalog's).
		schema, fn := splitQualified(name)
		var found []int64
		for _, p := range s.virt.procs {
			if p.Name == fn && (p.Schema == schema || (schema == "" && p.Schema == "pg_catalog")) {
				found = append(found, p.OID)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return 0, sqlerr.Newf("42725", "more than one function named %q", name)
		}
	}
	return 0, sqlerr.Newf(sqlerr.UndefinedFunction, "function %q does not exist", name)
}

// NameOf implements pgeval.Names.
func (s *snapshot) NameOf(typ uint32, oid int64) (string, bool) {
	switch typ {
	case pgeval.RegClass:
		if r, ok := s.byOID[oid]; ok {
			return pgeval.QuoteIdent(relName(r.src)), true
		}
		if r, ok := s.indexes[oid]; ok {
			return pgeval.QuoteIdent(pkeyName(r)), true
		}
		for _, v := range s.virt.all {
			if v.oid == oid {
				if v.schema == "information_schema" {
					return "information_schema." + v.name, true
				}
				return v.name, true
			}
		}
	case pgeval.RegType:
		if t, ok := pgeval.LookupType(uint32(oid)); ok {
			return pgeval.FormatType(t.OID, -1), true
		}
	case pgeval.RegNamespace:
		for _, ns := range namespaces {
			if ns.oid == oid {
				return ns.name, true
			}
		}
	case pgeval.RegRole:
		if oid == roleOID {
			return s.sess.user, true
		}
	case pgeval.RegProc:
		// The bare name when it finds this function (regproc's input finds
		// a function by name alone), else qualified.
		if p, ok := s.virt.procByOID[oid]; ok {
			if found, err := s.OIDOf(pgeval.RegProc, pgeval.QuoteIdent(p.Name)); err == nil && found == oid {
				return pgeval.QuoteIdent(p.Name), true
			}
			return p.Schema + "." + pgeval.QuoteIdent(p.Name), true
		}
	}
	if oid == 0 {
		return "-", true
	}
	return "", false
}

func splitQualified(name string) (schema, rel string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		schema, rel = unquote(name[:i]), unquote(name[i+1:])
		return schema, rel
	}
	return "", unquote(name)
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

type namespace struct {
	oid  int64
	name string
}

var namespaces = []namespace{
	{nsPgToast, "pg_toast"},
	{nsPgCatalog, "pg_catalog"},
	{nsPublic, "public"},
	{nsInfoSchema, "information_schema"},
}

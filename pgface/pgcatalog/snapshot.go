package pgcatalog

import (
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
	// firstUserOID is where Postgres starts numbering user objects.
	firstUserOID = 16384
)

// userRelation is a stream or table with the OIDs the catalog gives it.
type userRelation struct {
	src      *catalog.Source
	oid      int64
	pkey     []int64 // attnums of the primary key (tables only)
	indexOID int64   // 0 without a primary key
	conOID   int64
}

// snapshot is the catalog as one statement sees it. It implements pgeval.Catalog.
type snapshot struct {
	sess      *Session
	virt      *relationSet
	rels      []*userRelation
	byName    map[string]*userRelation
	byOID     map[int64]*userRelation
	indexes   map[int64]*userRelation // by index OID
	relations map[string]*pgeval.Relation
	funcs     map[string]*pgeval.Func
}

func newSnapshot(s *Session) *snapshot {
	snap := &snapshot{
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
		r := &userRelation{src: src, oid: assign("r:" + src.Name)}
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

// relName is the name a source has in Postgres: the catalog keeps ksqlDB's
// upper-case names, which Postgres clients would have to quote; they are shown in
// lower case, which unquoted Postgres identifiers fold to.
func relName(src *catalog.Source) string { return strings.ToLower(src.Name) }

func colName(c types.Column) string { return strings.ToLower(c.Name) }

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
		if _, ok := s.byName[name]; ok {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported,
				"%s is a Sluice stream or table: query it with KSQL (SELECT ... FROM %s), not together with catalog relations", name, name)
		}
	}
	if schema != "" {
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation %q does not exist", name)
}

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

package pgcatalog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Config describes the server as catalog queries report it.
type Config struct {
	// ServerVersion is the Postgres version reported (server_version); default
	// "13.0.0".
	ServerVersion string
	// SluiceVersion appears in version().
	SluiceVersion string
	// StartTime is pg_postmaster_start_time().
	StartTime time.Time
	// Version is version()'s text; derived from the two versions when empty.
	Version string
}

// ResultWriter receives a statement's results, as the server's ResultWriter does.
type ResultWriter interface {
	Columns(cols []types.Column) error
	Row(vals []any) error
	Complete(tag string) error
	Notice(msg string) error
}

// StatementCloser is a ResultWriter that holds the connection's prepared
// statements (the wire server's does): DEALLOCATE and DISCARD ALL remove them.
type StatementCloser interface {
	// DeallocateStatement removes the named prepared statement and reports
	// whether there was one.
	DeallocateStatement(name string) bool
	// DeallocateAll removes every named prepared statement.
	DeallocateAll()
}

// Session is the Postgres-dialect side of one client connection. It is used by
// one goroutine at a time.
type Session struct {
	cat      *Catalog
	cfg      Config
	src      Sources
	data     Data // nil when src cannot read rows
	user     string
	database string
	pid      uint32
	settings *settings
	// cursors lists the connection's open SQL cursors (pg_cursors); nil: none
	// are known.
	cursors func() []Cursor
	parsed  parseCache
}

// parseCache keeps the parse trees of the statements a session ran last: a
// prepared statement is parsed once, not at every Execute (the parse was the
// largest cost of a key lookup). Trees are never modified after parsing, so
// they may be shared. It is safe for concurrent use (statements beside a
// cursor's).
type parseCache struct {
	mu      sync.Mutex
	entries map[string]*parsed // nil: does not parse
}

// parsed is a query string's parse tree and, per statement, the relations a
// SELECT names (nil for other statements), found once by walking the tree.
type parsed struct {
	tree *pg_query.ParseResult
	refs []*selectRefs
}

// selectRefs are the CTE names a SELECT defines and the relations it names.
type selectRefs struct {
	ctes   map[string]bool
	ranges []*pg_query.RangeVar
}

func findRefs(n *pg_query.Node) *selectRefs {
	if n.GetSelectStmt() == nil {
		return nil
	}
	r := &selectRefs{ctes: map[string]bool{}}
	walk(n.ProtoReflect(), func(m protoreflect.Message) {
		switch x := m.Interface().(type) {
		case *pg_query.CommonTableExpr:
			r.ctes[x.Ctename] = true
		case *pg_query.RangeVar:
			r.ranges = append(r.ranges, x)
		}
	})
	return r
}

// parseCacheSize bounds a session's cache; it is emptied when full.
const parseCacheSize = 256

// parse returns sql's parse tree, nil when it is not Postgres SQL.
func (c *parseCache) parse(sql string) *parsed {
	c.mu.Lock()
	p, ok := c.entries[sql]
	c.mu.Unlock()
	if ok {
		return p
	}
	if tree, err := pg_query.Parse(sql); err == nil {
		p = &parsed{tree: tree}
		for _, raw := range tree.Stmts {
			p.refs = append(p.refs, findRefs(raw.Stmt))
		}
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= parseCacheSize {
		c.entries = map[string]*parsed{}
	}
	c.entries[sql] = p
	c.mu.Unlock()
	return p
}

// Cursor is one open SQL cursor as pg_cursors shows it.
type Cursor struct {
	Name       string
	Statement  string // the text of the statement that declared it
	Holdable   bool
	Binary     bool
	Scrollable bool
	Created    time.Time
}

// ShowCursors makes pg_cursors list the cursors list returns. list may be called
// while any statement of the session runs.
func (s *Session) ShowCursors(list func() []Cursor) { s.cursors = list }

// Catalog is what every session of one server shares: the configuration
// catalog queries report, the virtual relations (pg_class, information_schema
// columns, ...) and the evaluator's built-in functions. It is immutable after
// NewCatalog and safe for concurrent use.
type Catalog struct {
	cfg   Config
	rels  *relationSet
	funcs *pgeval.Functions
}

// NewCatalog returns a Catalog for cfg.
func NewCatalog(cfg Config) *Catalog {
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = "13.0.0"
	}
	if cfg.Version == "" {
		cfg.Version = versionString(cfg.ServerVersion, cfg.SluiceVersion)
	}
	return &Catalog{cfg: cfg, rels: newRelationSet(), funcs: pgeval.NewFunctions()}
}

// NewSession opens a session over src, the engine's streams and tables. params
// are the client's startup parameters; pid is the backend process ID reported to
// the client.
func (c *Catalog) NewSession(src Sources, params map[string]string, pid uint32) *Session {
	cfg := c.cfg
	user := params["user"]
	if user == "" {
		user = "sluice"
	}
	db := params["database"]
	if db == "" {
		db = user
	}
	fixed := map[string]string{
		"server_version":        cfg.ServerVersion,
		"server_version_num":    versionNum(cfg.ServerVersion),
		"session_authorization": user,
		"application_name":      params["application_name"],
	}
	s := &Session{cat: c, cfg: cfg, src: src, user: user, database: db, pid: pid, settings: newSettings(fixed)}
	s.data, _ = src.(Data)
	for k, v := range params {
		if IsParameter(k) && k != "user" && k != "database" {
			s.settings.set(k, v)
		}
	}
	return s
}

// versionNum turns "13.0.0" into "130000" (major * 10000 + minor).
func versionNum(v string) string {
	var major, minor int
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return fmt.Sprint(major*10000 + minor)
}

// TakeReports returns the parameters whose changes the client must be told about
// (ParameterStatus) since the last call, with their current values, in the
// canonical spelling.
func (s *Session) TakeReports() [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, k := range s.settings.takeReported() {
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, [2]string{parameters[k].name, s.settings.get(k)})
	}
	return out
}

// Parameter returns the current value of a run-time parameter.
func (s *Session) Parameter(name string) string { return s.settings.get(name) }

// Statement is one statement of a query string and whether this package runs it.
type Statement struct {
	SQL     string
	Offset  int // byte offset of SQL in the query string
	Catalog bool
	// User is set for a SELECT that reads Sluice's streams or tables: when the
	// Postgres path cannot bind it (KSQL functions, -> on structs, ...), Execute
	// and Describe return a *NotPostgres error and the statement is KSQL's.
	User bool
	node *pg_query.Node
}

// ReadOnly reports whether the statement changes no session state: a SELECT,
// SHOW, or BEGIN/COMMIT/ROLLBACK.
func (st Statement) ReadOnly() bool {
	n := st.node
	return (n.GetSelectStmt() != nil && n.GetSelectStmt().IntoClause == nil) || n.GetVariableShowStmt() != nil || n.GetTransactionStmt() != nil
}

// NotPostgres is the error of a statement over Sluice's relations that parses
// as Postgres SQL but does not bind as such: the caller gives it to the KSQL
// engine, and reports Err if KSQL cannot parse it either.
type NotPostgres struct{ Err error }

func (e *NotPostgres) Error() string { return e.Err.Error() }
func (e *NotPostgres) Unwrap() error { return e.Err }

// Split parses sql with the Postgres grammar and says, per statement, whether it
// belongs to the catalog path. When sql as a whole is not Postgres SQL (a KSQL
// script, or KSQL statements beside Postgres ones, as in
// `psql -c "CREATE STREAM ...; SELECT ... FROM information_schema.columns"`), it
// is split at the semicolons Postgres' lexer finds and each statement is parsed
// alone: those that are not Postgres SQL are KSQL's. ok is false when even the
// lexer fails.
func (s *Session) Split(sql string) (stmts []Statement, ok bool) {
	p := s.parsed.parse(sql)
	if p == nil {
		return s.splitMixed(sql)
	}
	var user map[string]bool
	for i, raw := range p.tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(sql)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		st := Statement{SQL: sql[start:end], Offset: start, node: raw.Stmt}
		if user == nil {
			user = s.userRelations()
		}
		st.Catalog, st.User = claims(raw.Stmt, p.refs[i], user, s.cat.rels)
		stmts = append(stmts, st)
	}
	return stmts, true
}

// splitMixed splits sql, which does not parse as Postgres SQL as a whole, into
// statements at the lexer's semicolons and classifies each one alone.
func (s *Session) splitMixed(sql string) ([]Statement, bool) {
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return nil, false
	}
	var stmts []Statement
	var user map[string]bool
	add := func(start, end int) {
		text := sql[start:end]
		trimmed := strings.TrimLeft(text, " \t\r\n")
		start += len(text) - len(trimmed)
		text = strings.TrimRight(trimmed, " \t\r\n")
		if text == "" {
			return
		}
		st := Statement{SQL: text, Offset: start}
		if p := s.parsed.parse(text); p != nil && len(p.tree.Stmts) == 1 {
			if user == nil {
				user = s.userRelations()
			}
			st.node = p.tree.Stmts[0].Stmt
			st.Catalog, st.User = claims(st.node, p.refs[0], user, s.cat.rels)
		}
		stmts = append(stmts, st)
	}
	start := 0
	for _, tok := range scan.Tokens {
		if tok.Token == pg_query.Token_ASCII_59 {
			add(start, int(tok.Start))
			start = int(tok.End)
		}
	}
	add(start, len(sql))
	return stmts, true
}

// KSQLDialect reports whether the session asked for ksqlDB's answers
// (sluice.dialect = 'ksql'): SELECTs over Sluice's relations are KSQL, and
// KSQL results keep ksqlDB's labels.
func (s *Session) KSQLDialect() bool {
	return strings.EqualFold(s.settings.get("sluice.dialect"), "ksql")
}

func (s *Session) userRelations() map[string]bool {
	m := map[string]bool{}
	if s.KSQLDialect() {
		// The session asked for ksqlDB's answers: no Sluice relation is
		// Postgres'.
		return m
	}
	if s.src != nil && s.data != nil {
		for _, src := range s.src.Sources() {
			m[relName(src)] = true
		}
	}
	return m
}

// claims decides whether a parsed statement belongs to the Postgres path:
// Postgres utility statements about session state, and queries whose every
// relation is a catalog relation, a CTE or one of Sluice's streams and tables by
// its Postgres name (or that read no relation at all). user reports a query that
// reads Sluice's relations.
func claims(n *pg_query.Node, refs *selectRefs, user map[string]bool, rels *relationSet) (ok, reads bool) {
	switch {
	case n.GetTransactionStmt() != nil, n.GetDiscardStmt() != nil, n.GetDeallocateStmt() != nil:
		return true, false
	case n.GetVariableShowStmt() != nil:
		name := n.GetVariableShowStmt().Name
		return IsParameter(name) || name == "all", false
	case n.GetVariableSetStmt() != nil:
		vs := n.GetVariableSetStmt()
		switch vs.Kind {
		case pg_query.VariableSetKind_VAR_RESET_ALL, pg_query.VariableSetKind_VAR_SET_MULTI:
			return true, false
		}
		return IsParameter(vs.Name) || vs.Name == "timezone" || vs.Name == "names", false
	case n.GetSelectStmt() != nil:
		known := true
		for _, x := range refs.ranges {
			switch x.Schemaname {
			case "pg_catalog", "information_schema":
				continue
			case "", "public":
				if x.Schemaname == "" {
					// CTEs, catalog relations and names Postgres reserves for them
					// (so that an unknown pg_* relation is a Postgres error).
					if refs.ctes[x.Relname] {
						continue
					}
					if (strings.HasPrefix(x.Relname, "pg_") || rels.byName[x.Relname] != nil) && !user[x.Relname] {
						continue
					}
				}
				if user[x.Relname] {
					reads = true
					continue
				}
			}
			known = false
		}
		return known, reads
	}
	return false, false
}

// walk calls fn for m and every message nested in it, parents first.
func walk(m protoreflect.Message, fn func(protoreflect.Message)) {
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil && !fd.IsMap():
			walk(v.Message(), fn)
		}
		return true
	})
}

// Execute runs statements returned by Split with Catalog set. params are the
// values of $1..$n in package types' representation.
func (s *Session) Execute(ctx context.Context, st Statement, params []any, w ResultWriter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := st.node
	switch {
	case n.GetSelectStmt() != nil:
		snap := newSnapshot(ctx, s)
		stmt, err := pgeval.Compile(snap, s.cat.funcs, n.GetSelectStmt(), nil)
		if err != nil {
			if st.User {
				return &NotPostgres{err}
			}
			return err
		}
		res, err := stmt.Run(ctx, evalParams(params))
		if err != nil {
			return err
		}
		if err := w.Columns(sluiceColumns(res.Columns)); err != nil {
			return err
		}
		vals := make([]any, len(res.Columns))
		for _, row := range res.Rows {
			for i, v := range row {
				vals[i] = sluiceValue(v, res.Columns[i].Type.OID, snap)
			}
			if err := w.Row(vals); err != nil {
				return err
			}
		}
		return w.Complete(fmt.Sprintf("SELECT %d", len(res.Rows)))
	case n.GetVariableShowStmt() != nil:
		return s.show(n.GetVariableShowStmt().Name, w)
	case n.GetVariableSetStmt() != nil:
		return s.set(n.GetVariableSetStmt(), w)
	case n.GetTransactionStmt() != nil:
		return w.Complete(transactionTag(n.GetTransactionStmt().Kind))
	case n.GetDiscardStmt() != nil:
		if n.GetDiscardStmt().Target == pg_query.DiscardMode_DISCARD_ALL {
			if sc, ok := w.(StatementCloser); ok {
				sc.DeallocateAll()
			}
		}
		return w.Complete("DISCARD " + strings.TrimPrefix(n.GetDiscardStmt().Target.String(), "DISCARD_"))
	case n.GetDeallocateStmt() != nil:
		d := n.GetDeallocateStmt()
		sc, ok := w.(StatementCloser)
		if d.Name == "" {
			if ok {
				sc.DeallocateAll()
			}
			return w.Complete("DEALLOCATE ALL")
		}
		if ok && !sc.DeallocateStatement(d.Name) {
			return sqlerr.Newf("26000", "prepared statement %q does not exist", d.Name)
		}
		return w.Complete("DEALLOCATE")
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "statement is not supported")
}

// Describe returns the result columns and parameter types of a catalog statement
// without running it.
func (s *Session) Describe(st Statement) ([]types.Column, []*types.Type, error) {
	n := st.node
	switch {
	case n.GetSelectStmt() != nil:
		stmt, err := pgeval.Compile(newSnapshot(context.Background(), s), s.cat.funcs, n.GetSelectStmt(), nil)
		if err != nil {
			if st.User {
				return nil, nil, &NotPostgres{err}
			}
			return nil, nil, err
		}
		var params []*types.Type
		for _, oid := range stmt.ParamTypes() {
			t, _ := sluiceType(oid)
			params = append(params, t)
		}
		return sluiceColumns(stmt.Columns()), params, nil
	case n.GetVariableShowStmt() != nil:
		name := n.GetVariableShowStmt().Name
		if name == "all" {
			return []types.Column{{Name: "name", Type: types.StringType}, {Name: "setting", Type: types.StringType}, {Name: "description", Type: types.StringType}}, nil, nil
		}
		return []types.Column{{Name: parameters[strings.ToLower(name)].name, Type: types.StringType}}, nil, nil
	}
	return nil, nil, nil
}

// ParameterTypes returns the types the Postgres path infers for the $n
// placeholders of st, a SELECT, from their use (x = $1 gives $1 x's type). It
// only binds the statement, so it also works over tables whose rows cannot be
// read (not materialized): the engine's push queries over them take their
// parameter types from here.
func (s *Session) ParameterTypes(st Statement) ([]*types.Type, error) {
	sel := st.node.GetSelectStmt()
	if sel == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "only a SELECT's parameter types are inferred")
	}
	snap := newSnapshot(context.Background(), s)
	snap.bindOnly = true
	stmt, err := pgeval.Compile(snap, s.cat.funcs, sel, nil)
	if err != nil {
		return nil, err
	}
	var params []*types.Type
	for _, oid := range stmt.ParamTypes() {
		t, _ := sluiceType(oid)
		params = append(params, t)
	}
	return params, nil
}

func sluiceColumns(cols []pgeval.Column) []types.Column {
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		t, pg := sluiceType(c.Type.OID)
		out[i] = types.Column{Name: c.Name, Type: t, PGType: pg}
	}
	return out
}

func transactionTag(k pg_query.TransactionStmtKind) string {
	switch k {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		return "BEGIN"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		return "COMMIT"
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		return "SAVEPOINT"
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		return "RELEASE"
	case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
		return "PREPARE TRANSACTION"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED:
		return "COMMIT PREPARED"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return "ROLLBACK PREPARED"
	}
	return "ROLLBACK"
}

func (s *Session) show(name string, w ResultWriter) error {
	if name == "all" {
		if err := w.Columns([]types.Column{{Name: "name", Type: types.StringType}, {Name: "setting", Type: types.StringType}, {Name: "description", Type: types.StringType}}); err != nil {
			return err
		}
		ps := sortedParameters()
		for _, p := range ps {
			if err := w.Row([]any{p.name, s.settings.get(p.name), p.desc}); err != nil {
				return err
			}
		}
		return w.Complete(fmt.Sprintf("SHOW %d", len(ps)))
	}
	p, ok := parameters[strings.ToLower(name)]
	if !ok {
		return sqlerr.Newf(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	if err := w.Columns([]types.Column{{Name: p.name, Type: types.StringType}}); err != nil {
		return err
	}
	if err := w.Row([]any{s.settings.get(p.name)}); err != nil {
		return err
	}
	return w.Complete("SHOW")
}

func (s *Session) set(vs *pg_query.VariableSetStmt, w ResultWriter) error {
	name := vs.Name
	switch name {
	case "timezone":
		name = "TimeZone"
	case "names":
		name = "client_encoding"
	}
	switch vs.Kind {
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		s.settings.resetAll()
		return w.Complete("RESET")
	case pg_query.VariableSetKind_VAR_RESET:
		s.settings.reset(name)
		return w.Complete("RESET")
	case pg_query.VariableSetKind_VAR_SET_DEFAULT:
		s.settings.reset(name)
		return w.Complete("SET")
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION / SET SESSION CHARACTERISTICS: nothing to change.
		return w.Complete("SET")
	}
	var parts []string
	for _, a := range vs.Args {
		parts = append(parts, argText(a))
	}
	value := strings.Join(parts, ", ")
	switch strings.ToLower(name) {
	case "client_encoding":
		if e := strings.ToUpper(strings.ReplaceAll(value, "-", "")); e != "UTF8" && e != "UNICODE" {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "client_encoding %s is not supported: Sluice speaks UTF8 only", value)
		}
		value = "UTF8"
	case "statement_timeout":
		ms, err := parseMillis(name, value)
		if err != nil {
			return err
		}
		value = formatMillis(ms)
	case "server_version", "server_version_num", "server_encoding", "integer_datetimes", "lc_collate", "lc_ctype", "max_identifier_length", "block_size", "in_hot_standby", "is_superuser", "max_index_keys":
		return sqlerr.Newf("55P02", "parameter %q cannot be changed", name)
	}
	s.settings.set(name, value)
	if err := w.Complete("SET"); err != nil {
		return err
	}
	return nil
}

func argText(n *pg_query.Node) string {
	switch {
	case n.GetAConst() != nil:
		a := n.GetAConst()
		switch {
		case a.GetSval() != nil:
			return a.GetSval().Sval
		case a.GetIval() != nil:
			return fmt.Sprint(a.GetIval().Ival)
		case a.GetFval() != nil:
			return a.GetFval().Fval
		case a.GetBoolval() != nil:
			if a.GetBoolval().Boolval {
				return "on"
			}
			return "off"
		}
	case n.GetTypeCast() != nil:
		return argText(n.GetTypeCast().Arg)
	case n.GetColumnRef() != nil:
		var parts []string
		for _, f := range n.GetColumnRef().Fields {
			parts = append(parts, strVal(f))
		}
		return strings.Join(parts, ".")
	}
	return ""
}

func strVal(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

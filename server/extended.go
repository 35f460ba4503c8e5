package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// extendedState holds a connection's prepared statements and portals (extended
// query protocol). Statements live until closed; portals until the next Sync, as
// they would at the end of Postgres' implicit transaction.
type extendedState struct {
	stmts   map[string]*preparedStmt
	portals map[string]*portal
	// skipToSync is set by an error: messages up to the next Sync are discarded.
	skipToSync bool
}

// preparedStmt is the result of a Parse.
type preparedStmt struct {
	sql   string
	empty bool // only white space: executes to EmptyQueryResponse
	// paramOIDs are the parameter types reported to the client and used to decode
	// Bind values; paramTypes are the types the engine expects (nil: unknown).
	paramOIDs  []uint32
	paramTypes []*types.Type
	cols       []types.Column // nil: the statement returns no rows
	// cursorCmd is set for DECLARE, FETCH, MOVE and CLOSE, which the server runs
	// itself.
	cursorCmd *cursorCmd
}

// portal is the result of a Bind: a statement with parameter values and result
// formats, possibly partly read (Execute with a row limit).
type portal struct {
	stmt    *preparedStmt
	params  []any
	cols    []types.Column // the statement's, or found with the parameters bound
	formats []int16        // one per result column

	// cur streams the statement when the client reads it maxRows at a time.
	cur     *cursor
	started bool
	done    bool       // the statement ran to completion; tag is set
	tag     string     // command tag of the completed statement
	rows    [][][]byte // encoded rows not yet sent
}

// buffer keeps a copy of an encoded row (vals point into the writer's scratch).
func (p *portal) buffer(vals [][]byte) {
	row := make([][]byte, len(vals))
	for i, v := range vals {
		if v != nil {
			row[i] = append(make([]byte, 0, len(v)), v...)
		}
	}
	p.rows = append(p.rows, row)
}

func (p *portal) complete(tag string) { p.tag, p.done = tag, true }

// drop discards a portal, stopping its statement.
func (p *portal) drop() {
	if p != nil && p.cur != nil {
		p.cur.close()
	}
}

// dropPortals discards every portal.
func (c *conn) dropPortals() {
	for name, p := range c.extended.portals {
		p.drop()
		c.notePortal(name, nil)
	}
	clear(c.extended.portals)
}

func (c *conn) dropUnnamed() {
	c.extended.portals[""].drop()
	delete(c.extended.stmts, "")
	delete(c.extended.portals, "")
	c.notePortal("", nil)
}

// Errors of the extended protocol that do not end the connection.
var errAborted = sqlerr.New("25P02", "current transaction is aborted, commands ignored until end of transaction block")

var errFunctionCall = sqlerr.New(sqlerr.FeatureNotSupported, "function call protocol is not supported")

// extendedError reports err and discards messages up to the next Sync. The
// error is flushed at once, as Postgres sends errors: a client that sent Flush
// rather than Sync (postgres.js, pg-cursor) waits for it.
func (c *conn) extendedError(err error, sql string) {
	c.send(errorResponse(err, sql))
	c.flush()
	c.extended.skipToSync = true
}

func (c *conn) parse(m *pgproto3.Parse) {
	st := &c.extended
	if m.Name != "" {
		if _, ok := st.stmts[m.Name]; ok {
			c.extendedError(sqlerr.Newf("42P05", "prepared statement %q already exists", m.Name), "")
			return
		}
	}
	if err := c.checkNotAborted(m.Query); err != nil {
		c.extendedError(err, "")
		return
	}
	ps := &preparedStmt{sql: m.Query, empty: strings.TrimSpace(m.Query) == ""}
	var engineParams []*types.Type
	cmd, isCursorCmd, err := parseCursorCmd(m.Query)
	switch {
	case err != nil:
		c.extendedError(err, m.Query)
		return
	case isCursorCmd:
		ps.cursorCmd = cmd
		ps.cols = c.cursorColumns(cmd)
		if cmd.kind == cmdDeclare {
			// DECLARE's parameters are its query's.
			if _, engineParams, err = c.describeSQL(cmd.query); err != nil {
				if e := sqlerr.As(err); e.Position >= 0 {
					err = e.WithPosition(e.Position + cmd.queryOffset)
				}
				c.extendedError(err, m.Query)
				return
			}
		}
	case !ps.empty:
		ps.cols, engineParams, err = c.describeSQL(m.Query)
		if err != nil {
			c.extendedError(err, m.Query)
			return
		}
	}
	// node-pg declares no parameter types and the engine may not know them:
	// the placeholders in the text still say how many values Bind brings.
	n := max(len(m.ParameterOIDs), len(engineParams), c.placeholders(m.Query))
	ps.paramOIDs = make([]uint32, n)
	ps.paramTypes = make([]*types.Type, n)
	for i := range n {
		if i < len(engineParams) {
			ps.paramTypes[i] = engineParams[i]
		}
		if i < len(m.ParameterOIDs) && m.ParameterOIDs[i] != 0 {
			ps.paramOIDs[i] = m.ParameterOIDs[i]
		} else if ps.paramTypes[i] != nil && ps.paramTypes[i].Kind != types.KindUnknown {
			ps.paramOIDs[i] = pgTypeOf(ps.paramTypes[i]).OID
		} else {
			ps.paramOIDs[i] = oidText // untyped: the client sends text, the engine casts
		}
	}
	if st.stmts == nil {
		st.stmts = make(map[string]*preparedStmt)
	}
	st.stmts[m.Name] = ps
	c.send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) {
	st := &c.extended
	ps, ok := st.stmts[m.PreparedStatement]
	if !ok {
		c.extendedError(sqlerr.Newf("26000", "prepared statement %q does not exist", m.PreparedStatement), "")
		return
	}
	c.cursorsMu.Lock()
	_, isCursor := c.cursors[m.DestinationPortal]
	c.cursorsMu.Unlock()
	if _, exists := st.portals[m.DestinationPortal]; (exists || isCursor) && m.DestinationPortal != "" {
		c.extendedError(sqlerr.Newf("42P03", "portal %q already exists", m.DestinationPortal), "")
		return
	}
	if err := c.checkNotAborted(ps.sql); err != nil {
		c.extendedError(err, "")
		return
	}
	if len(m.Parameters) != len(ps.paramOIDs) {
		c.extendedError(sqlerr.Newf(sqlerr.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(ps.paramOIDs)), "")
		return
	}
	if err := checkFormats(m.ParameterFormatCodes, len(m.Parameters), "parameter"); err != nil {
		c.extendedError(err, "")
		return
	}
	pformats := resolveFormats(m.ParameterFormatCodes, len(m.Parameters))
	params := make([]any, len(m.Parameters))
	for i, data := range m.Parameters {
		if data == nil {
			continue
		}
		v, err := decodeParam(ps.paramOIDs[i], pformats[i], data)
		if err == nil {
			v, err = coerceParam(v, ps.paramTypes[i])
		}
		if err != nil {
			c.extendedError(fmt.Errorf("parameter $%d: %w", i+1, err), "")
			return
		}
		params[i] = v
	}
	cols := ps.cols
	if ps.cursorCmd != nil {
		// The cursor a FETCH reads may have been declared after the Parse.
		cols = c.cursorColumns(ps.cursorCmd)
	} else if cols == nil && len(params) > 0 {
		cols = c.describeBound(ps.sql, params)
	}
	if err := checkFormats(m.ResultFormatCodes, len(cols), "result"); err != nil {
		c.extendedError(err, "")
		return
	}
	if st.portals == nil {
		st.portals = make(map[string]*portal)
	}
	if old, ok := st.portals[m.DestinationPortal]; ok {
		old.drop() // the unnamed portal, replaced
	}
	p := &portal{
		stmt:    ps,
		params:  params,
		cols:    cols,
		formats: resolveFormats(m.ResultFormatCodes, len(cols)),
	}
	st.portals[m.DestinationPortal] = p
	c.notePortal(m.DestinationPortal, p)
	c.send(&pgproto3.BindComplete{})
}

// checkNotAborted refuses Parse and Bind in a failed transaction block for any
// statement but BEGIN/COMMIT/ROLLBACK, as PostgreSQL does.
func (c *conn) checkNotAborted(sql string) error {
	if c.inTx && c.txFailed && !isTransactionControl(sql) {
		return errAborted
	}
	return nil
}

// checkFormats validates Bind format codes: none, one for all, or one per value.
func checkFormats(codes []int16, n int, what string) error {
	if len(codes) > 1 && len(codes) != n {
		return sqlerr.Newf(sqlerr.ProtocolViolation, "bind message has %d %s formats but %d %ss", len(codes), what, n, what)
	}
	for _, f := range codes {
		if f != pgproto3.TextFormat && f != pgproto3.BinaryFormat {
			return sqlerr.Newf(sqlerr.ProtocolViolation, "unsupported format code: %d", f)
		}
	}
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) {
	st := &c.extended
	switch m.ObjectType {
	case 'S':
		ps, ok := st.stmts[m.Name]
		if !ok {
			c.extendedError(sqlerr.Newf("26000", "prepared statement %q does not exist", m.Name), "")
			return
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		c.describeRows(ps.cols, make([]int16, len(ps.cols)))
	case 'P':
		p, ok := st.portals[m.Name]
		if !ok {
			// A cursor DECLARE made is a portal too (psycopg 3 describes its
			// named cursors so).
			if s, err := c.lookupCursor(m.Name); err == nil {
				c.describeRows(s.cols, s.formats())
				return
			}
			c.extendedError(sqlerr.Newf("34000", "portal %q does not exist", m.Name), "")
			return
		}
		c.describeRows(p.cols, p.formats)
	default:
		c.extendedError(sqlerr.Newf(sqlerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType), "")
	}
}

func (c *conn) describeRows(cols []types.Column, formats []int16) {
	if cols == nil {
		c.send(&pgproto3.NoData{})
		return
	}
	c.send(rowDescription(cols, formats))
}

// execute runs a portal. Without a row limit its rows stream to the client as they
// come. With one, the statement runs to completion into the portal's buffer and
// rows are handed out maxRows at a time, each batch but the last followed by
// PortalSuspended (a push query with a row limit therefore answers only when its
// LIMIT is reached or it is cancelled).
func (c *conn) execute(m *pgproto3.Execute) {
	p, ok := c.extended.portals[m.Portal]
	if !ok {
		if s, err := c.lookupCursor(m.Portal); err == nil {
			c.executeCursor(s, int64(m.MaxRows))
			return
		}
		c.extendedError(sqlerr.Newf("34000", "portal %q does not exist", m.Portal), "")
		return
	}
	if p.stmt.empty {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if p.stmt.cursorCmd == nil && (p.cur != nil || (!p.started && m.MaxRows > 0)) {
		c.executeStreaming(p, int(m.MaxRows))
		return
	}
	if !p.started {
		p.started = true
		w := &resultWriter{c: c, formats: p.formats}
		var err error
		if p.stmt.cursorCmd != nil {
			if m.MaxRows > 0 {
				w.collect = p // handed out MaxRows at a time below
			}
			err = c.runCursorCmd(p.stmt.cursorCmd, p.stmt.sql, p.params, w)
		} else {
			err = c.runStatement(p.stmt.sql, p.params, w)
		}
		if err != nil {
			c.extendedError(err, p.stmt.sql)
			return
		}
		if w.collect == nil {
			p.complete(w.tag)
			if w.completed == 0 {
				c.send(&pgproto3.EmptyQueryResponse{})
			}
			return
		}
	}
	limit := len(p.rows)
	if m.MaxRows > 0 {
		limit = min(limit, int(m.MaxRows))
	}
	for _, row := range p.rows[:limit] {
		c.send(&pgproto3.DataRow{Values: row})
	}
	p.rows = p.rows[limit:]
	switch {
	case len(p.rows) > 0:
		c.send(&pgproto3.PortalSuspended{})
	case p.done:
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(executeTag(p.tag, limit))})
	default:
		c.send(&pgproto3.EmptyQueryResponse{})
	}
}

func (c *conn) closeObject(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		delete(c.extended.stmts, m.Name)
	case 'P':
		c.extended.portals[m.Name].drop()
		delete(c.extended.portals, m.Name)
		c.notePortal(m.Name, nil)
	default:
		c.extendedError(sqlerr.Newf(sqlerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType), "")
		return
	}
	c.send(&pgproto3.CloseComplete{})
}

// sync ends an extended-protocol sequence: portals are dropped (the implicit
// transaction ends), the error state clears, and the client may send again.
func (c *conn) sync() {
	c.extended.skipToSync = false
	if !c.inTx {
		// Inside BEGIN ... COMMIT portals live on (pgjdbc's fetch size reads one
		// across several Syncs); otherwise the implicit transaction ends here.
		c.dropPortals()
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus()})
	c.flush()
}

// executeTag is the command tag that ends one Execute of a portal read in
// pieces: as in PostgreSQL, a SELECT's or FETCH's count is the rows this Execute
// sent, not the statement's total (postgres.js's cursor relies on it).
func executeTag(tag string, rows int) string {
	for _, verb := range []string{"SELECT ", "FETCH "} {
		if n, ok := strings.CutPrefix(tag, verb); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			return verb + strconv.Itoa(rows)
		}
	}
	return tag
}

// executeStreaming serves Execute with a row limit from a cursor: up to maxRows
// rows as the statement produces them, then PortalSuspended, or CommandComplete
// once it has ended. A push query thus reaches pgjdbc (fetch size) batch by batch.
func (c *conn) executeStreaming(p *portal, maxRows int) {
	if p.done {
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(executeTag(p.tag, 0))})
		return
	}
	if p.cur == nil {
		p.started = true
		cur, err := c.openCursor(p.stmt.sql, p.params)
		if err != nil {
			c.extendedError(err, p.stmt.sql)
			return
		}
		p.cur = cur
	}
	if maxRows <= 0 {
		maxRows = -1
	}
	ctx, done := c.statementContext()
	defer done()
	cols, err := p.cur.columns(ctx)
	if err != nil {
		c.extendedError(statementError(ctx, err), p.stmt.sql)
		return
	}
	rows, finished, err := p.cur.fetch(ctx, maxRows)
	w := &resultWriter{c: c, formats: p.formats}
	if len(cols) > 0 {
		w.Columns(cols)
		for _, r := range rows {
			if w.Row(r) != nil {
				return
			}
		}
	}
	switch {
	case err != nil:
		p.done = true
		c.extendedError(statementError(ctx, err), p.stmt.sql)
	case finished:
		p.done, p.tag = true, p.cur.tag
		c.noteTag(p.tag)
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(executeTag(p.tag, len(rows)))})
	default:
		c.send(&pgproto3.PortalSuspended{})
	}
}

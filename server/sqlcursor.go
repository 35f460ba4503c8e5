package server

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// sqlCursor is a cursor made by DECLARE: its statement runs in a cursor, and
// FETCH and MOVE move a position over its rows as PostgreSQL 15 does
// (DoPortalRunFetch): position 0 is before the first row, k is on row k, and
// read+1 is after the last row once the statement has ended.
//
// A NO SCROLL cursor (the default here: PostgreSQL makes a cursor scrollable when
// its plan allows, but a push query's rows cannot be re-read) only moves forward.
// A SCROLL cursor keeps every row it has read so that it can move back.
type sqlCursor struct {
	cur             *cursor
	name, statement string
	binary, hold    bool
	scroll          bool
	created         time.Time
	// open is set until the transaction that declared the cursor ends: a
	// ROLLBACK closes the cursor even when it is WITH HOLD.
	open bool

	pos  int64
	read int64   // rows taken from the statement
	eof  bool    // the statement has ended: read is its row count
	seen [][]any // rows 1..read of a SCROLL cursor
	cols []types.Column
}

// CursorInfo describes one open SQL cursor as the pg_cursors view shows it.
type CursorInfo struct {
	Name       string
	Statement  string // the text of the statement that declared it
	Holdable   bool
	Binary     bool
	Scrollable bool
	Created    time.Time
}

// cursorViewer is a Session that shows the connection's open cursors in
// pg_cursors. The server calls ShowCursors once, after NewSession; list may be
// called from any goroutine while the connection lives. Without it pg_cursors,
// if the session has one, shows nothing of the server's.
type cursorViewer interface {
	ShowCursors(list func() []CursorInfo)
}

var errNoScroll = sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "cursor can only scan forward").
	WithHint("Declare it with SCROLL option to enable backward scan.")

// rowAt returns row k (1-based), reading forward as needed; ok is false past the
// last row. Rows before read are only there for a SCROLL cursor.
func (s *sqlCursor) rowAt(ctx context.Context, k int64) (row []any, ok bool, err error) {
	if k < 1 {
		return nil, false, nil
	}
	for s.read < k && !s.eof {
		rows, finished, err := s.cur.fetch(ctx, 1)
		if err != nil {
			return nil, false, err
		}
		if len(rows) == 0 {
			s.eof = finished
			break
		}
		s.read++
		if s.scroll {
			s.seen = append(s.seen, rows[0])
		}
		if s.read == k {
			return rows[0], true, nil
		}
	}
	if k <= s.read && s.scroll {
		return s.seen[k-1], true, nil
	}
	return nil, false, nil
}

// move runs a FETCH (emit receives each row) or a MOVE (emit is nil) and returns
// the number of rows fetched or moved over.
func (s *sqlCursor) move(ctx context.Context, d direction, emit func([]any) error) (int64, error) {
	if d.kind == dirForward || d.kind == dirBackward {
		if d.count < 0 {
			d.count = -d.count
			d.kind = dirForward + dirBackward - d.kind
		}
		if d.all {
			d.count = math.MaxInt64
		}
	}
	// onRow: the cursor is on a row (not before the first, not after the last).
	onRow := s.pos >= 1 && s.pos <= s.read
	switch {
	case (d.kind == dirForward || d.kind == dirBackward || d.kind == dirRelative) && d.count == 0:
		// FETCH 0, RELATIVE 0: the current row again.
		if emit == nil || !onRow {
			if onRow {
				return 1, nil
			}
			return 0, nil
		}
		if !s.scroll {
			return 0, errNoScroll
		}
		return 1, emit(s.seen[s.pos-1])
	case d.kind == dirForward:
		var n int64
		for n < d.count {
			row, ok, err := s.rowAt(ctx, s.pos+1)
			if err != nil {
				return n, err
			}
			if !ok {
				s.pos = s.read + 1
				break
			}
			s.pos++
			n++
			if emit != nil {
				if err := emit(row); err != nil {
					return n, err
				}
			}
		}
		return n, nil
	case d.kind == dirBackward, d.kind == dirRelative && d.count < 0:
		if !s.scroll {
			return 0, errNoScroll
		}
		if d.kind == dirRelative {
			return s.jump(ctx, s.pos+d.count, emit)
		}
		var n int64
		for n < d.count {
			if s.pos <= 1 {
				s.pos = 0
				break
			}
			s.pos--
			n++
			if emit != nil {
				if err := emit(s.seen[s.pos-1]); err != nil {
					return n, err
				}
			}
		}
		return n, nil
	case d.kind == dirRelative:
		return s.jump(ctx, s.pos+d.count, emit)
	case d.count > 0: // ABSOLUTE n
		if d.count <= s.pos && !s.scroll {
			return 0, errNoScroll
		}
		return s.jump(ctx, d.count, emit)
	case d.count == 0: // ABSOLUTE 0: before the first row
		if s.pos != 0 && !s.scroll {
			return 0, errNoScroll
		}
		s.pos = 0
		return 0, nil
	default: // ABSOLUTE -n: counted from the end
		if !s.scroll {
			return 0, errNoScroll
		}
		if _, _, err := s.rowAt(ctx, math.MaxInt64); err != nil {
			return 0, err
		}
		return s.jump(ctx, s.read+1+d.count, emit)
	}
}

// jump moves to row k and fetches it; off either end the cursor is left before
// the first or after the last row.
func (s *sqlCursor) jump(ctx context.Context, k int64, emit func([]any) error) (int64, error) {
	if k < 1 {
		s.pos = 0
		return 0, nil
	}
	row, ok, err := s.rowAt(ctx, k)
	if err != nil {
		return 0, err
	}
	if !ok {
		s.pos = s.read + 1
		return 0, nil
	}
	s.pos = k
	if emit != nil {
		return 1, emit(row)
	}
	return 1, nil
}

// runCursorCmd runs a DECLARE, FETCH, MOVE or CLOSE, writing its result to w.
// sql is the statement's text (pg_cursors shows it), params the values of the
// $n placeholders in DECLARE's query.
func (c *conn) runCursorCmd(cmd *cursorCmd, sql string, params []any, w *resultWriter) error {
	if c.inTx && c.txFailed {
		return errAborted
	}
	ctx, done := c.statementContext()
	defer done()
	err := c.cursorCmd(ctx, cmd, sql, params, w)
	if err != nil {
		if c.inTx {
			c.txFailed = true
		}
		return statementError(ctx, err)
	}
	return nil
}

func (c *conn) cursorCmd(ctx context.Context, cmd *cursorCmd, sql string, params []any, w *resultWriter) error {
	switch cmd.kind {
	case cmdDeclare:
		if err := c.declare(ctx, cmd, sql, params); err != nil {
			return err
		}
		return w.Complete("DECLARE CURSOR")
	case cmdClose:
		if cmd.closeAll {
			c.closeCursors(func(*sqlCursor) bool { return true })
			return w.Complete("CLOSE CURSOR ALL")
		}
		s, err := c.lookupCursor(cmd.name)
		if err != nil {
			return err
		}
		c.dropCursor(s)
		return w.Complete("CLOSE CURSOR")
	}
	s, err := c.lookupCursor(cmd.name)
	if err != nil {
		return err
	}
	if cmd.kind == cmdMove {
		n, err := s.move(ctx, cmd.dir, nil)
		if err != nil {
			return err
		}
		return w.Complete("MOVE " + strconv.FormatInt(n, 10))
	}
	if s.binary && w.describe {
		// In the simple protocol a BINARY cursor's rows are binary; in the
		// extended protocol Bind's result formats decide, as in PostgreSQL.
		w.formats = []int16{pgproto3.BinaryFormat}
	}
	// The row description goes out with the first row or the end, so that a
	// FETCH that fails at once answers with the error alone, as in PostgreSQL.
	described := false
	describe := func() error {
		if described {
			return nil
		}
		described = true
		return w.Columns(s.cols)
	}
	n, err := s.move(ctx, cmd.dir, func(row []any) error {
		if err := describe(); err != nil {
			return err
		}
		return w.Row(row)
	})
	if err == nil {
		err = describe()
	}
	if err != nil {
		return err
	}
	return w.Complete("FETCH " + strconv.FormatInt(n, 10))
}

func (c *conn) lookupCursor(name string) (*sqlCursor, error) {
	c.cursorsMu.Lock()
	defer c.cursorsMu.Unlock()
	s, ok := c.cursors[name]
	if !ok {
		return nil, sqlerr.Newf("34000", "cursor %q does not exist", name)
	}
	return s, nil
}

// declare opens a cursor. The query starts at once and DECLARE waits for its
// result columns, so that a query that fails to parse or bind fails here.
func (c *conn) declare(ctx context.Context, cmd *cursorCmd, sql string, params []any) error {
	c.cursorsMu.Lock()
	_, exists := c.cursors[cmd.name]
	c.cursorsMu.Unlock()
	if _, portal := c.extended.portals[cmd.name]; exists || (portal && cmd.name != "") {
		// Cursors and protocol portals share one namespace, as in PostgreSQL.
		return sqlerr.Newf("42P03", "cursor %q already exists", cmd.name)
	}
	if !c.inTx && !c.implicitTx && !cmd.hold {
		return sqlerr.New("25P01", "DECLARE CURSOR can only be used in transaction blocks")
	}
	cur, err := c.openCursor(cmd.query, params)
	if err != nil {
		return err
	}
	cols, err := cur.columns(ctx)
	if err == nil && cols == nil {
		err = sqlerr.New(sqlerr.FeatureNotSupported, "cursor's statement returns no rows")
	}
	if err != nil {
		cur.close()
		if e := sqlerr.As(err); e.Position >= 0 {
			err = e.WithPosition(e.Position + cmd.queryOffset)
		}
		return err
	}
	s := &sqlCursor{cur: cur, name: cmd.name, statement: sql, binary: cmd.binary, hold: cmd.hold,
		scroll: cmd.scroll, created: time.Now(), open: c.inTx || c.implicitTx, cols: cols}
	if !s.open {
		// WITH HOLD outside a transaction block: its implicit transaction
		// commits now, and the cursor's rows are copied as at any commit.
		cur.materialize(ctx)
	}
	c.cursorsMu.Lock()
	if c.cursors == nil {
		c.cursors = map[string]*sqlCursor{}
	}
	c.cursors[cmd.name] = s
	c.cursorsMu.Unlock()
	return nil
}

func (c *conn) dropCursor(s *sqlCursor) {
	s.cur.close()
	c.cursorsMu.Lock()
	delete(c.cursors, s.name)
	c.cursorsMu.Unlock()
}

// closeCursors ends the SQL cursors that match (CLOSE ALL, end of transaction,
// end of connection).
func (c *conn) closeCursors(match func(*sqlCursor) bool) {
	c.cursorsMu.Lock()
	var drop []*sqlCursor
	for _, s := range c.cursors {
		if match(s) {
			drop = append(drop, s)
		}
	}
	c.cursorsMu.Unlock()
	for _, s := range drop {
		c.dropCursor(s)
	}
}

// endTransaction applies COMMIT or ROLLBACK to the cursors: a commit closes the
// cursors WITHOUT HOLD and marks the WITH HOLD ones declared in it for copying
// (holdCursors, once the COMMIT has run); a rollback closes every cursor the
// transaction declared.
func (c *conn) endTransaction(commit bool) {
	if !commit {
		c.closeCursors(func(s *sqlCursor) bool { return s.open })
		return
	}
	c.closeCursors(func(s *sqlCursor) bool { return !s.hold })
	c.cursorsMu.Lock()
	for _, s := range c.cursors {
		if s.open {
			s.open = false
			c.toHold = append(c.toHold, s)
		}
	}
	c.cursorsMu.Unlock()
}

// holdCursors copies the rows of the WITH HOLD cursors a commit kept, so that
// their statements end and release the session, as PostgreSQL copies a held
// cursor's rows at commit. A push query's cursor copies until its LIMIT, or until
// the client cancels (the cursor then keeps streaming).
func (c *conn) holdCursors(ctx context.Context) {
	for _, s := range c.toHold {
		s.cur.materialize(ctx)
	}
	c.toHold = nil
}

// cursorInfos lists the SQL cursors and the protocol portals (PostgreSQL's
// pg_cursors shows both, the unnamed portal too) for pg_cursors, oldest first. It may run on
// any goroutine.
func (c *conn) cursorInfos() []CursorInfo {
	c.cursorsMu.Lock()
	defer c.cursorsMu.Unlock()
	out := make([]CursorInfo, 0, len(c.cursors)+len(c.portalInfos))
	for _, s := range c.cursors {
		out = append(out, CursorInfo{Name: s.name, Statement: s.statement, Holdable: s.hold, Binary: s.binary, Scrollable: s.scroll, Created: s.created})
	}
	for _, p := range c.portalInfos {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b CursorInfo) int {
		if d := a.Created.Compare(b.Created); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// cursorColumns returns the result columns of FETCH from the named cursor, nil
// when it does not exist (Describe of a FETCH then answers NoData, as in
// PostgreSQL).
func (c *conn) cursorColumns(cmd *cursorCmd) []types.Column {
	if cmd.kind != cmdFetch {
		return nil
	}
	s, err := c.lookupCursor(cmd.name)
	if err != nil {
		return nil
	}
	return s.cols
}

// formats are the result formats of a cursor read as a portal: binary for a
// BINARY cursor, text otherwise.
func (s *sqlCursor) formats() []int16 {
	f := make([]int16, len(s.cols))
	if s.binary {
		for i := range f {
			f[i] = pgproto3.BinaryFormat
		}
	}
	return f
}

// executeCursor runs Execute on a cursor DECLARE made, which PostgreSQL allows
// because cursors are portals: up to maxRows rows (0: all), then PortalSuspended
// while rows may remain, or CommandComplete.
func (c *conn) executeCursor(s *sqlCursor, maxRows int64) {
	w := &resultWriter{c: c, formats: s.formats()}
	if err := w.Columns(s.cols); err != nil {
		return
	}
	d := direction{kind: dirForward, count: maxRows, all: maxRows <= 0}
	ctx, done := c.statementContext()
	defer done()
	n, err := s.move(ctx, d, w.Row)
	switch {
	case err != nil:
		if c.inTx {
			c.txFailed = true
		}
		c.extendedError(statementError(ctx, err), "")
	case maxRows > 0 && n == maxRows && !s.eof:
		c.send(&pgproto3.PortalSuspended{})
	default:
		c.send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT " + strconv.FormatInt(n, 10))})
	}
}

// notePortal records a portal Bind made (nil p: removed) for pg_cursors.
func (c *conn) notePortal(name string, p *portal) {
	c.cursorsMu.Lock()
	defer c.cursorsMu.Unlock()
	if p == nil {
		delete(c.portalInfos, name)
		return
	}
	if c.portalInfos == nil {
		c.portalInfos = map[string]CursorInfo{}
	}
	c.portalInfos[name] = CursorInfo{Name: name, Statement: p.stmt.sql, Created: time.Now()}
}

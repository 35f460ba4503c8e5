package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// conn is one client connection. Its serve goroutine owns the session and all
// writes; a reader goroutine reads ahead so that a disconnect or Terminate is
// noticed (and cancels the running statement) while a statement runs.
type conn struct {
	srv *Server
	nc  net.Conn
	log *slog.Logger
	out *pgproto3.Backend // write side only

	// ctx ends when the connection does: client EOF or Terminate, protocol error,
	// or Server.Close. Every statement's context derives from it.
	ctx    context.Context
	cancel context.CancelFunc

	pid    uint32
	secret [4]byte
	// tls is the TLS connection over nc after an SSLRequest, nil otherwise.
	tls *tls.Conn

	// stmtMu guards stmtCancel, which cancels the running statement (CancelRequest).
	stmtMu     sync.Mutex
	stmtCancel context.CancelFunc

	msgs    chan pgproto3.FrontendMessage
	readErr error // set by the reader before it closes msgs

	// writeErr is the first failed flush; the connection is then dead.
	writeErr error

	sess     Session
	extended extendedState
	// cursors are the SQL-level cursors (DECLARE) by name. The conn goroutine
	// changes the map under cursorsMu; pg_cursors reads it from the goroutine
	// that runs the query.
	cursorsMu sync.Mutex
	cursors   map[string]*sqlCursor
	// portalInfos are the open protocol portals as pg_cursors shows them.
	portalInfos map[string]CursorInfo
	// toHold are WITH HOLD cursors whose transaction committed and whose rows
	// are still to be copied (holdCursors).
	toHold []*sqlCursor
	// implicitTx is set while a Query of several statements runs outside a
	// transaction block: it is one implicit block (DECLARE may be used).
	implicitTx bool
	// sessMu is held while a statement uses sess: by the conn goroutine for a
	// statement, by a cursor's goroutine for the cursor's life. Session is not
	// safe for concurrent use, so a statement that finds it held fails (55006).
	sessMu sync.Mutex
	// inTx is set between BEGIN and COMMIT/ROLLBACK; txFailed after an error in
	// such a block (ReadyForQuery then reports 'E').
	inTx, txFailed bool
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		srv:    s,
		nc:     nc,
		log:    s.log.With("remote", nc.RemoteAddr().String()),
		out:    pgproto3.NewBackend(nil, nc),
		ctx:    ctx,
		cancel: cancel,
	}
}

// kill ends the connection from outside (Server.Close): running statements are
// cancelled and blocked reads fail.
func (c *conn) kill() {
	c.cancel()
	c.nc.Close()
}

// cancelStatement cancels the statement running now, if any (CancelRequest).
func (c *conn) cancelStatement() {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	if c.stmtCancel != nil {
		c.stmtCancel()
	}
}

func (c *conn) send(msg pgproto3.BackendMessage) {
	if c.writeErr == nil {
		c.out.Send(msg)
	}
}

func (c *conn) flush() {
	if c.writeErr == nil {
		c.writeErr = c.out.Flush()
	}
}

// serve runs the connection to its end. A panic (engine or server bug) ends only
// this connection; it is logged with its stack.
// refuse sends a FATAL error to a connection the server will not serve and
// closes it, without waiting for its startup packet.
func (c *conn) refuse(msg *pgproto3.ErrorResponse) {
	defer c.srv.untrack(c)
	defer c.nc.Close()
	defer c.cancel()
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	c.send(msg)
	c.flush()
}

func (c *conn) serve() {
	defer c.srv.untrack(c)
	defer c.nc.Close()
	defer c.cancel()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic serving connection", "panic", r, "stack", string(debug.Stack()))
			c.send(fatalResponse("XX000", "internal error"))
			c.flush()
		}
	}()

	// A client that never finishes startup and authentication (one left
	// mid-SCRAM) must not hold a connection and a goroutine for ever.
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	fr := newFrameReader(c.nc, c.srv.cfg.MaxMessageSize)
	params, fr, ok := c.startup(fr)
	if !ok {
		return
	}
	if !c.authenticate(fr, params["user"]) {
		return
	}
	c.nc.SetDeadline(time.Time{})
	c.srv.sessions.register(c)
	defer c.srv.sessions.unregister(c.pid)
	c.sess = c.srv.eng.NewSession(params, c.pid)
	defer c.sess.Close()
	if v, ok := c.sess.(cursorViewer); ok {
		v.ShowCursors(c.cursorInfos)
	}
	defer c.closeCursors(func(*sqlCursor) bool { return true })
	defer c.dropPortals()
	c.greet(params)
	if c.flush(); c.writeErr != nil {
		return
	}

	c.msgs = make(chan pgproto3.FrontendMessage, 16)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		c.readLoop(fr)
	}()
	defer func() {
		// Stop the reader but keep the socket open for a final FATAL message.
		c.cancel()
		c.nc.SetReadDeadline(time.Now())
		<-readerDone
	}()

	for msg := range c.msgs {
		c.handle(msg)
		if c.writeErr != nil {
			return
		}
	}
	var pe *protocolError
	if errors.As(c.readErr, &pe) {
		c.log.Warn("closing connection on protocol violation", "err", pe)
		c.send(fatalResponse("08P01", pe.msg))
		c.flush()
	}
}

// readLoop reads messages until the client leaves, then cancels the connection's
// context so that a running statement stops.
func (c *conn) readLoop(fr *frameReader) {
	defer close(c.msgs)
	defer c.cancel()
	for {
		msg, err := fr.readMessage()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
				c.readErr = err
			}
			return
		}
		if _, ok := msg.(*pgproto3.Terminate); ok {
			return
		}
		select {
		case c.msgs <- msg:
		case <-c.ctx.Done():
			return
		}
	}
}

// handle processes one message of the normal phase.
func (c *conn) handle(msg pgproto3.FrontendMessage) {
	if c.extended.skipToSync {
		// After an error in an extended-protocol sequence, Postgres discards
		// everything up to the next Sync.
		if _, ok := msg.(*pgproto3.Sync); !ok {
			return
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
	case *pgproto3.Parse:
		c.parse(m)
	case *pgproto3.Bind:
		c.bind(m)
	case *pgproto3.Describe:
		c.describe(m)
	case *pgproto3.Execute:
		c.execute(m)
	case *pgproto3.Close:
		c.closeObject(m)
	case *pgproto3.Sync:
		c.sync()
	case *pgproto3.Flush:
		c.flush()
	case *pgproto3.FunctionCall:
		c.send(errorResponse(errFunctionCall, ""))
		c.send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus()})
		c.flush()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Not in COPY mode: ignored, as Postgres does, so a client can recover.
	}
}

// statementContext returns the context of one statement, which a
// CancelRequest, a disconnect or Server.Close cancels. done forgets and cancels
// it: defer it, so that the statement's error is read from a context only a
// cancel has ended.
func (c *conn) statementContext() (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.stmtMu.Lock()
	c.stmtCancel = cancel
	c.stmtMu.Unlock()
	return ctx, func() {
		c.stmtMu.Lock()
		c.stmtCancel = nil
		c.stmtMu.Unlock()
		cancel()
	}
}

// runStatement runs sql on the session with a statementContext.
func (c *conn) runStatement(sql string, params []any, w ResultWriter) error {
	ctx, done := c.statementContext()
	defer done()
	var err error
	if c.inTx && c.txFailed && !isTransactionControl(sql) {
		err = errAborted
	} else if c.sessMu.TryLock() {
		err = c.sess.Execute(ctx, sql, params, w)
		c.sessMu.Unlock()
	} else if c.runsBeside(sql) {
		// A cursor's statement holds the session; sql uses no state it uses
		// (COMMIT, catalog queries such as pg_cursors).
		err = c.sess.Execute(ctx, sql, params, w)
	} else {
		err = errCursorBusy
	}
	if err == nil && len(c.toHold) > 0 {
		c.holdCursors(ctx)
	}
	if err != nil {
		if c.inTx {
			c.txFailed = true
		}
		return statementError(ctx, err)
	}
	return nil
}

// noteTag follows transaction blocks from the tags of completed statements.
func (c *conn) noteTag(tag string) {
	switch tag {
	case "BEGIN":
		c.inTx = true
	case "COMMIT", "ROLLBACK":
		c.inTx, c.txFailed = false, false
		// Cursors WITHOUT HOLD end with their transaction, and so do the
		// portals kept across Syncs.
		c.endTransaction(tag == "COMMIT")
		c.dropPortals()
	}
}

// txStatus is ReadyForQuery's transaction status: idle, in a block, or in a
// failed block.
func (c *conn) txStatus() byte {
	switch {
	case c.inTx && c.txFailed:
		return 'E'
	case c.inTx:
		return 'T'
	}
	return 'I'
}

package server

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/sluice-db/sluice/sqlerr"
)

// connectPGX opens a pgx connection in mode. Context cancellation sends a
// CancelRequest (pgx's default only breaks the connection).
func connectPGX(t *testing.T, ts *testServer, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://alice@" + ts.addr + "/ksql?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

var pgxModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"cache-statement", pgx.QueryExecModeCacheStatement},
	{"describe-exec", pgx.QueryExecModeDescribeExec},
	{"exec", pgx.QueryExecModeExec},
	{"simple", pgx.QueryExecModeSimpleProtocol},
}

func TestPGXTypes(t *testing.T) {
	ts := startServer(t)
	for _, m := range pgxModes {
		t.Run(m.name, func(t *testing.T) {
			conn := connectPGX(t, ts, m.mode)
			var (
				b   bool
				i   int32
				bi  int64
				d   float64
				dec pgtype.Numeric
				s   string
				by  []byte
				dt  time.Time
				tm  pgtype.Time
				tsv time.Time
				ai  []*int32
				as  []string
				mp  map[string]any
				st  map[string]any
				nul *string
			)
			err := conn.QueryRow(context.Background(), "TYPES").Scan(&b, &i, &bi, &d, &dec, &s, &by, &dt, &tm, &tsv, &ai, &as, &mp, &st, &nul)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, ok bool) {
				t.Helper()
				if !ok {
					t.Errorf("%s round-tripped wrong", what)
				}
			}
			check("bool", b)
			check("int", i == -42)
			check("bigint", bi == 1<<40)
			check("double", d == 1.5)
			check("decimal", dec.Valid && dec.Int.Int64() == -12345 && dec.Exp == -3)
			check("string", s == "héllo")
			check("bytes", string(by) == "\xde\xad")
			check("date", dt.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
			check("time", tm.Valid && tm.Microseconds == 45296789000)
			check("timestamp", tsv.Equal(time.Date(2024, 2, 29, 12, 34, 56, 789e6, time.UTC)))
			check("int array", len(ai) == 3 && *ai[0] == 1 && ai[1] == nil && *ai[2] == 3)
			check("string array", len(as) == 4 && as[0] == "a b" && as[1] == "" && as[2] == "NULL" && as[3] == `q"\`)
			check("map", len(mp) == 1 && mp["k"] == float64(1))
			check("struct", st["A"] == float64(7) && st["B"] == "x")
			check("null", nul == nil)
			if t.Failed() {
				t.Logf("got %v %v %v %v %+v %q %x %v %+v %v %v %q %v %v %v", b, i, bi, d, dec, s, by, dt, tm, tsv, ai, as, mp, st, nul)
			}
		})
	}
}

func TestPGXParameters(t *testing.T) {
	ts := startServer(t)
	date := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	stamp := time.Date(2024, 2, 29, 12, 34, 56, 789e6, time.UTC)
	for _, m := range pgxModes[:3] { // the simple protocol interpolates parameters client-side
		t.Run(m.name, func(t *testing.T) {
			conn := connectPGX(t, ts, m.mode)
			var (
				b   bool
				i   int32
				bi  int64
				d   float64
				dec pgtype.Numeric
				s   string
				by  []byte
				dt  time.Time
				tm  pgtype.Time
				tsv time.Time
				nul *int32
			)
			err := conn.QueryRow(context.Background(),
				"ECHO BOOLEAN INT BIGINT DOUBLE DECIMAL STRING BYTES DATE TIME TIMESTAMP INT",
				true, int32(-7), int64(math.MaxInt64), math.Inf(-1), "12.50", "hé $1 'x'", []byte{0, 1, 255},
				date, pgtype.Time{Microseconds: 3723004000, Valid: true}, stamp, nil,
			).Scan(&b, &i, &bi, &d, &dec, &s, &by, &dt, &tm, &tsv, &nul)
			if err != nil {
				t.Fatal(err)
			}
			if !b || i != -7 || bi != math.MaxInt64 || !math.IsInf(d, -1) || s != "hé $1 'x'" ||
				string(by) != "\x00\x01\xff" || !dt.Equal(date) || tm.Microseconds != 3723004000 || !tsv.Equal(stamp) || nul != nil {
				t.Errorf("got %v %v %v %v %q %x %v %v %v %v", b, i, bi, d, s, by, dt, tm, tsv, nul)
			}
			if dec.Int.Int64() != 1250 || dec.Exp != -2 {
				t.Errorf("decimal = %+v, want 12.50", dec)
			}
		})
	}
}

func TestPGXErrors(t *testing.T) {
	ts := startServer(t)
	for _, m := range pgxModes {
		t.Run(m.name, func(t *testing.T) {
			conn := connectPGX(t, ts, m.mode)
			_, err := conn.Exec(context.Background(), "SELECT 1; FAIL")
			if m.mode != pgx.QueryExecModeSimpleProtocol {
				_, err = conn.Exec(context.Background(), "FAIL")
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a PgError", err)
			}
			if pe.Code != sqlerr.SyntaxError || pe.Hint != "try SELECT" || pe.Position == 0 {
				t.Errorf("PgError = %+v", pe)
			}
			// The connection recovers (extended mode: the error state ends at Sync).
			var n int32
			if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatalf("after error: n=%d err=%v", n, err)
			}
		})
	}
}

func TestPGXCancel(t *testing.T) {
	ts := startServer(t)
	for _, m := range pgxModes {
		t.Run(m.name, func(t *testing.T) {
			conn := connectPGX(t, ts, m.mode)
			before := ts.eng.cancelledCount()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-ts.eng.blocking
				cancel()
			}()
			_, err := conn.Exec(ctx, "BLOCK")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != sqlerr.QueryCanceled {
				t.Fatalf("error = %v, want SQLSTATE 57014", err)
			}
			if got := ts.eng.cancelledCount(); got != before+1 {
				t.Errorf("engine saw %d cancellations, want %d", got, before+1)
			}
			var n int32
			if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatalf("after cancel: n=%d err=%v", n, err)
			}
		})
	}
}

func TestPGXDisconnectCancels(t *testing.T) {
	ts := startServer(t)
	conn := connectPGX(t, ts, pgx.QueryExecModeCacheStatement)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "BLOCK")
		done <- err
	}()
	<-ts.eng.blocking
	conn.PgConn().Conn().Close() // the client vanishes mid-statement
	if err := <-done; err == nil {
		t.Fatal("Exec on a closed connection succeeded")
	}
	eventually(t, "the engine to see the statement cancelled", func() bool { return ts.eng.cancelledCount() == 1 })
	eventually(t, "the session to end", func() bool { return ts.srv.ActiveSessions() == 0 && ts.eng.closedCount() == 1 })
}

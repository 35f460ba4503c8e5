package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// testEngine is a test double of the Engine contract (engine.go): a few fixed
// commands that exercise the server's paths without a SQL engine. Statements are
// separated by ';'. Commands (case-insensitive):
//
//	SELECT n        one INT column "n", rows 1..n
//	STREAM n        like SELECT n, but one row every 5ms, stopping when ctx ends
//	BLOCK           waits for ctx to end, records it, returns ctx.Err()
//	FAIL            a 42601 error positioned at the word FAIL
//	TYPES           one row holding a value of every type (typesRow)
//	ECHO T1 T2 ..   parameters $1.. of the named types (INT, STRING, ...), echoed as a row
//	NOTICE          a NoticeResponse, then completes
//	CREATE          completes "CREATE STREAM" without rows
//	PANIC           panics
type testEngine struct {
	mu        sync.Mutex
	cancelled int           // BLOCK statements that saw ctx end
	blocking  chan struct{} // receives when a BLOCK statement starts
	closed    int           // sessions closed
}

func newTestEngine() *testEngine { return &testEngine{blocking: make(chan struct{}, 16)} }

func (e *testEngine) NewSession(params map[string]string, pid uint32) Session {
	return &testSession{e: e}
}

func (e *testEngine) cancelledCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cancelled
}

func (e *testEngine) closedCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

type testSession struct{ e *testEngine }

func (s *testSession) Close() {
	s.e.mu.Lock()
	s.e.closed++
	s.e.mu.Unlock()
}

// statement is one ';'-separated command with its byte offset in the sql.
type statement struct {
	words []string
	off   int // byte offset of the statement's text in sql
	text  string
}

func splitStatements(sql string) []statement {
	var out []statement
	off := 0
	for _, part := range strings.Split(sql, ";") {
		if f := strings.Fields(part); len(f) > 0 {
			out = append(out, statement{words: f, off: off, text: part})
		}
		off += len(part) + 1
	}
	return out
}

func (s *testSession) Describe(sql string) ([]types.Column, []*types.Type, error) {
	stmts := splitStatements(sql)
	if len(stmts) == 0 {
		return nil, nil, nil
	}
	st := stmts[0]
	switch strings.ToUpper(st.words[0]) {
	case "SELECT", "STREAM":
		return []types.Column{{Name: "n", Type: types.IntType}}, nil, nil
	case "TYPES":
		return typesColumns(), nil, nil
	case "ECHO":
		var cols []types.Column
		var params []*types.Type
		for i, w := range st.words[1:] {
			t := testTypeNamed(w)
			if t == nil {
				return nil, nil, sqlerr.Newf(sqlerr.UndefinedObject, "type %q does not exist", w)
			}
			cols = append(cols, types.Column{Name: fmt.Sprintf("p%d", i+1), Type: t})
			params = append(params, t)
		}
		return cols, params, nil
	}
	return nil, nil, nil
}

func (s *testSession) Execute(ctx context.Context, sql string, params []any, w ResultWriter) error {
	for _, st := range splitStatements(sql) {
		if err := s.run(ctx, sql, st, params, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *testSession) run(ctx context.Context, sql string, st statement, params []any, w ResultWriter) error {
	arg := func() int {
		if len(st.words) < 2 {
			return 0
		}
		n, _ := strconv.Atoi(st.words[1])
		return n
	}
	switch strings.ToUpper(st.words[0]) {
	case "SELECT", "STREAM":
		n := arg()
		if err := w.Columns([]types.Column{{Name: "n", Type: types.IntType}}); err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if strings.EqualFold(st.words[0], "STREAM") {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
			}
			if err := w.Row([]any{int32(i)}); err != nil {
				return err
			}
		}
		return w.Complete(fmt.Sprintf("SELECT %d", n))
	case "BLOCK":
		s.e.blocking <- struct{}{}
		<-ctx.Done()
		s.e.mu.Lock()
		s.e.cancelled++
		s.e.mu.Unlock()
		return ctx.Err()
	case "FAIL":
		pos := st.off + strings.Index(st.text, st.words[0])
		return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"FAIL\"").WithPosition(pos).WithHint("try SELECT")
	case "TYPES":
		if err := w.Columns(typesColumns()); err != nil {
			return err
		}
		if err := w.Row(typesRow()); err != nil {
			return err
		}
		return w.Complete("SELECT 1")
	case "ECHO":
		cols, _, err := s.Describe(st.text)
		if err != nil {
			return err
		}
		if err := w.Columns(cols); err != nil {
			return err
		}
		if err := w.Row(params); err != nil {
			return err
		}
		return w.Complete("SELECT 1")
	case "NOTICE":
		if err := w.Notice("hello from the engine"); err != nil {
			return err
		}
		return w.Complete("SELECT 0")
	case "CREATE":
		return w.Complete("CREATE STREAM")
	case "PANIC":
		panic("test engine panics")
	}
	return sqlerr.Newf(sqlerr.SyntaxError, "unknown test command %q", st.words[0]).WithPosition(st.off)
}

func testTypeNamed(name string) *types.Type {
	switch strings.ToUpper(name) {
	case "BOOLEAN":
		return types.BooleanType
	case "INT":
		return types.IntType
	case "BIGINT":
		return types.BigIntType
	case "DOUBLE":
		return types.DoubleType
	case "DECIMAL":
		return types.NewDecimal(10, 2)
	case "STRING":
		return types.StringType
	case "BYTES":
		return types.BytesType
	case "DATE":
		return types.DateType
	case "TIME":
		return types.TimeType
	case "TIMESTAMP":
		return types.TimestampType
	}
	return nil
}

// typesColumns and typesRow hold one value of each type the server maps.
func typesColumns() []types.Column {
	return []types.Column{
		{Name: "b", Type: types.BooleanType},
		{Name: "i", Type: types.IntType},
		{Name: "bi", Type: types.BigIntType},
		{Name: "d", Type: types.DoubleType},
		{Name: "dec", Type: types.NewDecimal(6, 3)},
		{Name: "s", Type: types.StringType},
		{Name: "by", Type: types.BytesType},
		{Name: "dt", Type: types.DateType},
		{Name: "tm", Type: types.TimeType},
		{Name: "ts", Type: types.TimestampType},
		{Name: "ai", Type: types.NewArray(types.IntType)},
		{Name: "as", Type: types.NewArray(types.StringType)},
		{Name: "m", Type: types.NewMap(types.StringType, types.IntType)},
		{Name: "st", Type: types.NewStruct(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "B", Type: types.StringType})},
		{Name: "nul", Type: types.StringType},
	}
}

func typesRow() []any {
	return []any{
		true,
		int32(-42),
		int64(1) << 40,
		1.5,
		apd.New(-12345, -3), // -12.345
		"héllo",
		[]byte{0xde, 0xad},
		types.Date(19782),               // 2024-02-29
		types.Time(45296789),            // 12:34:56.789
		types.Timestamp(1709210096789),  // 2024-02-29 12:34:56.789
		[]any{int32(1), nil, int32(3)},  //
		[]any{"a b", "", "NULL", `q"\`}, //
		&types.Map{Keys: []any{"k"}, Values: []any{int32(1)}},
		types.Struct{int32(7), "x"},
		nil,
	}
}

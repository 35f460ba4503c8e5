package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// This file runs ksqlDB's REST QTT files (rest-query-validation-tests: INSERT VALUES,
// pull and push queries) over the Postgres wire, as ../shared/qtt/README.md §1.10 and
// §3.10 describe. Statements before the first "SELECT " run as in a QTT case; then
// the inputs are produced in one batch; then each query runs on its own connection and
// its RowDescription and DataRows are compared with the case's expected response.
//
// The header schema is rebuilt as ksqlDB writes it, "`ID` STRING KEY, `COUNT` BIGINT":
// names from the RowDescription, types from its type OIDs (a json column, Sluice's
// form of MAP, STRUCT and nested arrays, matches any of those expected types), and
// KEY from the catalog by ksqlDB's rule (resultKeyColumns), since the PG wire has no
// notion of a key column.

// RestSpec holds the parts of a REST QTT case that plain QTT cases lack.
type RestSpec struct {
	Responses     []RestResponse
	ExpectedError *RestError
	// WaitForPush: the push queries must be running before the inputs are produced.
	WaitForPush bool
	// VerifyOrder: query rows are compared in order, not as a multiset.
	VerifyOrder bool
	// ProtoFormat: the responses are checked in ksqlDB's protobuf query format.
	ProtoFormat bool
}

// RestResponse is the expected outcome of one statement: an admin response (the
// statement succeeded) or a query's messages: header, rows and a final message.
type RestResponse struct {
	Admin      json.RawMessage              `json:"admin"`
	Query      []map[string]json.RawMessage `json:"query"`
	QueryProto json.RawMessage              `json:"queryProto"`
}

// RestError is a REST case's expected error; Message is a substring of the error.
type RestError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type rawRestCase struct {
	rawCase
	Responses       []RestResponse `json:"responses"`
	ExpectedError   *RestError     `json:"expectedError"`
	InputConditions *struct {
		WaitForActivePushQuery bool `json:"waitForActivePushQuery"`
	} `json:"inputConditions"`
	OutputConditions *struct {
		VerifyOrder bool `json:"verifyOrder"`
	} `json:"outputConditions"`
	TestPullWithProtoFormat bool `json:"testPullWithProtoFormat"`
}

// restDirs returns the folder of REST QTT files under dir, if there is one.
func restDirs(dir string) []string {
	sub := filepath.Join(dir, "rest-query-validation-tests")
	if st, err := os.Stat(sub); err == nil && st.IsDir() {
		return []string{sub}
	}
	return nil
}

// LoadRestDir loads every REST QTT file of dir, sorted by name.
func LoadRestDir(dir string) ([]*Case, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var all []*Case
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		cs, err := parseRestFile(strings.TrimSuffix(filepath.Base(p), ".json"), data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		all = append(all, cs...)
	}
	return all, nil
}

// parseRestFile decodes a REST QTT file and expands its cases like QTT ones.
func parseRestFile(name string, data []byte) ([]*Case, error) {
	var file struct {
		Tests []rawRestCase `json:"tests"`
	}
	dec := json.NewDecoder(bytes.NewReader(stripComments(data)))
	dec.UseNumber()
	if err := dec.Decode(&file); err != nil {
		return nil, err
	}
	var out []*Case
	for _, rc := range file.Tests {
		spec := &RestSpec{Responses: rc.Responses, ExpectedError: rc.ExpectedError, ProtoFormat: rc.TestPullWithProtoFormat}
		if rc.InputConditions != nil {
			spec.WaitForPush = rc.InputConditions.WaitForActivePushQuery
		}
		if rc.OutputConditions != nil {
			spec.VerifyOrder = rc.OutputConditions.VerifyOrder
		}
		for _, c := range expand(name, rc.rawCase) {
			c.Rest = spec
			out = append(out, c)
		}
	}
	return out, nil
}

// restSkipReason adds the REST-only reasons to SkipReason's.
func restSkipReason(c *Case) string {
	if strings.Contains(c.File, "protobuf") || c.Rest.ProtoFormat {
		return "protobuf query responses (queryProto)"
	}
	return ""
}

// restArea is the report area of a REST file.
func restArea(file string) string {
	switch {
	case strings.HasPrefix(file, "pull-queries"):
		return "pull queries"
	case strings.Contains(file, "push-queries"):
		return "push queries"
	case file == "insert-values":
		return "insert values (REST)"
	}
	return "REST (other)"
}

// firstQuery is the index of the first statement ksqlDB's REST executor sends as a
// query: the first that starts with "SELECT ".
func firstQuery(stmts []string) int {
	for i, s := range stmts {
		if strings.HasPrefix(s, "SELECT ") {
			return i
		}
	}
	return len(stmts)
}

var emitChanges = regexp.MustCompile(`(?i)\bEMIT\s+CHANGES\b`)

func (r *Runner) runRest(ctx context.Context, c *Case, dir string) (Verdict, string, string) {
	env, stop, v, reason, detail := r.startEnv(ctx, c, dir)
	if v != "" {
		return v, reason, detail
	}
	defer stop()
	spec := c.Rest
	stmts := c.Statements
	first := firstQuery(stmts)
	for i := 0; i < first; i++ {
		_, err := env.exec(stmts[i])
		if err != nil {
			var pgErr *harness.Error
			if !errors.As(err, &pgErr) {
				return Error, "connection", fmt.Sprintf("statement %d %q: %v\n%s", i+1, stmts[i], err, env.srv.LogTail())
			}
			if spec.ExpectedError != nil {
				return Pass, "", expectedErrorDetail(spec.ExpectedError, pgErr.Message)
			}
			return Fail, "statement", fmt.Sprintf("statement %d failed: %s\n  %s", i+1, pgErr.Message, stmts[i])
		}
		if i < len(spec.Responses) && spec.Responses[i].Query != nil {
			return Fail, "response", fmt.Sprintf("statement %d ran as a command; expected a query response\n  %s", i+1, stmts[i])
		}
	}
	cat, err := readCatalog(env.exec)
	if err != nil {
		return Error, "catalog", err.Error()
	}
	env.catalog = byTopic(cat)
	if err := env.await(); err != nil {
		return Error, "await", err.Error()
	}
	running := map[int]*wireQuery{}
	defer func() {
		for _, q := range running {
			q.stop()
		}
	}()
	if spec.WaitForPush {
		for i := first; i < len(stmts); i++ {
			if emitChanges.MatchString(stmts[i]) {
				q := env.startQuery(stmts[i], true, false, expectedRowCount(spec, i))
				running[i] = q
				// Sluice flushes the RowDescription with the first row, so on an empty
				// topic the query cannot show it is running: give it a moment. The
				// runner's engine reads push queries from the earliest offset, so an
				// input produced a little early is still seen.
				q.waitActive(time.Second)
			}
		}
	}
	// ksqlDB's REST executor produces every input, then waits for the persistent
	// queries to process them: one batch, in file order, then one barrier.
	batch := make([]*kgo.Record, len(c.Inputs))
	for i, rec := range c.Inputs {
		if batch[i], err = env.kafkaRecord(rec); err != nil {
			return Error, "produce", fmt.Sprintf("input %d: %v", i+1, err)
		}
	}
	if len(batch) > 0 {
		if err := env.kc.ProduceSync(ctx, batch...).FirstErr(); err != nil {
			return Error, "produce", err.Error()
		}
		if err := env.await(); err != nil {
			return Error, "await", fmt.Sprintf("after the inputs: %v\n%s", err, env.srv.LogTail())
		}
	}
	for i := first; i < len(stmts); i++ {
		q := running[i]
		if q == nil {
			q = env.startQuery(stmts[i], emitChanges.MatchString(stmts[i]), true, expectedRowCount(spec, i))
			running[i] = q
		} else {
			q.arm() // its inputs were just produced
		}
		res := q.result()
		if res.err != nil {
			var pgErr *pgconn.PgError
			if !errors.As(res.err, &pgErr) {
				return Error, "connection", fmt.Sprintf("query %d %q: %v\n%s", i+1, stmts[i], res.err, env.srv.LogTail())
			}
			if spec.ExpectedError != nil {
				return Pass, "", expectedErrorDetail(spec.ExpectedError, pgErr.Message)
			}
			return Fail, "query", fmt.Sprintf("statement %d failed: %s\n  %s", i+1, pgErr.Message, stmts[i])
		}
		if i >= len(spec.Responses) {
			continue
		}
		if spec.Responses[i].Query == nil {
			continue // an admin response: the statement succeeded
		}
		keys := resultKeyColumns(stmts[i], cat)
		if kind, diff := compareQueryResponse(spec.Responses[i].Query, res, stmts[i], keys, spec.VerifyOrder); kind != "" {
			if res.stopped != "" {
				diff += "\n(query " + res.stopped + ")"
			}
			return Fail, kind, fmt.Sprintf("statement %d: %s\n  %s\n%s", i+1, kind, stmts[i], diff)
		}
	}
	if spec.ExpectedError != nil {
		return Fail, "expected-error", "every statement succeeded; expected: " + spec.ExpectedError.Message
	}
	if kind, diff := env.verifyOutputs(c, false); kind != "" {
		return Fail, kind, diff
	}
	return Pass, "", ""
}

// expectedErrorDetail reports a differing error message: message parity is
// reported, not required, as for QTT cases (README §3.1).
func expectedErrorDetail(e *RestError, got string) string {
	if e.Message == "" || strings.Contains(got, e.Message) {
		return ""
	}
	return fmt.Sprintf(messageDiffers+"\n  want substring: %s\n  got: %s", e.Message, got)
}

// expectedRowCount is the number of rows statement i's expected response holds, or
// -1 when it has none.
func expectedRowCount(spec *RestSpec, i int) int {
	if i >= len(spec.Responses) || spec.Responses[i].Query == nil {
		return -1
	}
	n := 0
	for _, m := range spec.Responses[i].Query {
		if _, ok := m["row"]; ok {
			n++
		}
	}
	return n
}

// wireResult is what a query sent over the PG wire returned.
type wireResult struct {
	fields   []pgconn.FieldDescription
	rows     [][][]byte // text values; nil is NULL
	complete bool       // CommandComplete arrived
	stopped  string     // why the runner ended the query, when it did
	err      error      // a server error, or a broken connection
}

// wireQuery is a query running on its own connection.
type wireQuery struct {
	cancel context.CancelFunc
	active chan struct{} // closed when the RowDescription (or the end) arrived
	done   chan struct{}

	mu    sync.Mutex
	armed bool      // the idle clock runs (a waiting push query's is armed after the inputs)
	last  time.Time // the last sign of progress
	res   wireResult
}

const (
	queryTimeout = 15 * time.Second // per query
	// pushIdle ends a push query that produced nothing for this long: its inputs were
	// all processed before, so a missing row will not come.
	pushIdle = 3 * time.Second
	// pushSettle is how long a push query without LIMIT keeps reading after it
	// returned the expected number of rows, to see extra ones.
	pushSettle = 300 * time.Millisecond
)

// startQuery runs sql on a new connection set up like the case's session. A push
// query ends at its LIMIT, after pushIdle without rows, or pushSettle after it
// returned want rows (want < 0: unknown); both clocks run once it is armed.
func (e *caseEnv) startQuery(sql string, push, armed bool, want int) *wireQuery {
	ctx, cancel := context.WithTimeout(e.ctx, queryTimeout)
	q := &wireQuery{cancel: cancel, active: make(chan struct{}), done: make(chan struct{}), armed: armed, last: time.Now()}
	var activeOnce sync.Once
	markActive := func() { activeOnce.Do(func() { close(q.active) }) }
	go func() {
		defer close(q.done)
		defer markActive()
		conn, err := e.connect(ctx)
		if err != nil {
			q.res.err = err
			return
		}
		defer conn.Close(context.Background())
		mrr := conn.Exec(ctx, sql)
		for mrr.NextResult() {
			rr := mrr.ResultReader()
			q.mu.Lock()
			q.res.fields = append([]pgconn.FieldDescription(nil), rr.FieldDescriptions()...) // pgconn reuses the slice
			q.mu.Unlock()
			markActive()
			for rr.NextRow() {
				row := make([][]byte, len(rr.Values()))
				for i, v := range rr.Values() {
					if v != nil {
						row[i] = append([]byte{}, v...)
					}
				}
				q.mu.Lock()
				q.res.rows = append(q.res.rows, row)
				q.last = time.Now()
				q.mu.Unlock()
			}
			if _, err := rr.Close(); err == nil {
				q.mu.Lock()
				q.res.complete = true
				q.mu.Unlock()
			}
		}
		err = mrr.Close()
		q.mu.Lock()
		defer q.mu.Unlock()
		if err != nil && q.res.stopped == "" {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) || ctx.Err() == nil {
				q.res.err = err
			} else {
				q.res.stopped = "timed out after " + queryTimeout.String()
			}
		}
	}()
	if push {
		go q.watch(want)
	}
	return q
}

// watch ends a push query that stalls, or that has had time to show extra rows.
func (q *wireQuery) watch(want int) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-q.done:
			return
		case <-tick.C:
		}
		q.mu.Lock()
		idle := time.Since(q.last)
		n := len(q.res.rows)
		switch {
		case !q.armed:
		case want >= 0 && n >= want && idle > pushSettle:
			q.res.stopped = fmt.Sprintf("ended by the runner after %d rows", n)
		case idle > pushIdle:
			q.res.stopped = fmt.Sprintf("ended by the runner: no row for %s", pushIdle)
		}
		stop := q.res.stopped != ""
		q.mu.Unlock()
		if stop {
			q.cancel()
			return
		}
	}
}

// arm starts the idle clock of a push query that waited for its inputs.
func (q *wireQuery) arm() {
	q.mu.Lock()
	q.armed, q.last = true, time.Now()
	q.mu.Unlock()
}

func (q *wireQuery) waitActive(limit time.Duration) {
	select {
	case <-q.active:
	case <-time.After(limit):
	}
}

// result waits for the query to end and returns what it produced.
func (q *wireQuery) result() wireResult {
	<-q.done
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.res
}

func (q *wireQuery) stop() {
	q.cancel()
	<-q.done
}

// connect opens a connection to the engine and replays the case's SET statements.
func (e *caseEnv) connect(ctx context.Context) (*pgconn.PgConn, error) {
	conn, err := pgconn.Connect(ctx, "postgres://sluice@"+e.srv.Addrs.PG+"/sluice?sslmode=disable")
	if err != nil {
		return nil, err
	}
	for _, s := range e.setup {
		if _, err := conn.Exec(ctx, s).ReadAll(); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	return conn, nil
}

// compareQueryResponse checks a query's result against ksqlDB's expected messages:
// the header's schema, the rows (a multiset unless verifyOrder) and the final
// message. It returns the kind of the first difference and a diff, or "".
func compareQueryResponse(exp []map[string]json.RawMessage, res wireResult, stmt string, keys map[string]bool, verifyOrder bool) (string, string) {
	var wantRows []any
	var wantFinal json.RawMessage
	for _, m := range exp {
		if h, ok := m["header"]; ok {
			if kind, diff := compareHeader(h, res.fields, keys, stmt); kind != "" {
				return kind, diff
			}
		}
		if r, ok := m["row"]; ok {
			var row map[string]json.RawMessage
			if err := json.Unmarshal(r, &row); err != nil {
				return "response", "bad expected row: " + err.Error()
			}
			// "tombstone" has no PG wire counterpart: only the columns are compared.
			v, err := decodeJSON(row["columns"])
			if err != nil {
				return "response", "bad expected row: " + err.Error()
			}
			wantRows = append(wantRows, v)
		}
		if f, ok := m["finalMessage"]; ok {
			wantFinal = f
		}
	}
	got := make([]any, len(res.rows))
	for i, row := range res.rows {
		vals := make([]any, len(row))
		for j, v := range row {
			var oid uint32
			if j < len(res.fields) {
				oid = res.fields[j].DataTypeOID
			}
			x, err := pgTextToJSON(oid, v)
			if err != nil {
				return "decode", fmt.Sprintf("row %d column %d: %v", i+1, j+1, err)
			}
			vals[j] = x
		}
		got[i] = vals
	}
	if kind := compareRows(wantRows, got, verifyOrder); kind != "" {
		return kind, rowsDiff(wantRows, got, res)
	}
	if wantFinal != nil && !res.complete {
		return "final message", fmt.Sprintf("want final message %s; the query did not complete", compactJSON(wantFinal))
	}
	return "", ""
}

// compareHeader compares the expected header's schema with the RowDescription,
// marking the columns named in keys KEY.
func compareHeader(raw json.RawMessage, fields []pgconn.FieldDescription, keys map[string]bool, stmt string) (string, string) {
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return "response", "bad expected header: " + err.Error()
	}
	want, prefix, ok := expectedString(h, "schema", stmt)
	if !ok {
		return "", ""
	}
	got := make([]Column, len(fields))
	parts := make([]string, len(fields))
	for i, f := range fields {
		got[i] = Column{Name: f.Name, Type: ksqlTypeOfField(f)}
		parts[i] = "`" + f.Name + "` " + got[i].Type
		if keys[f.Name] {
			got[i].Role = "KEY"
			parts[i] += " KEY"
		}
	}
	gotText := strings.Join(parts, ", ")
	if prefix {
		if !strings.HasPrefix(gotText, want) {
			return "header", fmt.Sprintf("schema\n  want prefix %s\n  got         %s", want, gotText)
		}
		return "", ""
	}
	cols := parseSchema(want)
	match := len(cols) == len(got)
	for i := 0; match && i < len(cols); i++ {
		role := cols[i].Role
		if role == "VALUE" {
			role = ""
		}
		match = cols[i].Name == got[i].Name && role == got[i].Role && typeMatches(canonicalType(cols[i].Type), got[i].Type)
	}
	if !match {
		return "header", fmt.Sprintf("schema\n  want %s\n  got  %s", want, gotText)
	}
	return "", ""
}

var fromSource = regexp.MustCompile("(?i)\\bFROM\\s+(`[^`]+`|\"[^\"]+\"|\\w+)")

// resultKeyColumns returns the result columns ksqlDB marks KEY in a query's header:
// for a pull query over a table, the table's key columns (and WINDOWSTART and
// WINDOWEND when it is windowed) that the result has under the same name; none for
// push queries and for streams. This rule reproduces every header of the REST QTT
// files whose names and types agree.
func resultKeyColumns(stmt string, cat map[string]*SourceInfo) map[string]bool {
	m := fromSource.FindStringSubmatch(stmt)
	if m == nil || emitChanges.MatchString(stmt) {
		return nil
	}
	name := m[1]
	if name[0] == '`' || name[0] == '"' {
		name = name[1 : len(name)-1]
	} else {
		name = strings.ToUpper(name)
	}
	src := cat[name]
	if src == nil || src.Kind != "TABLE" {
		return nil
	}
	keys := map[string]bool{}
	for _, c := range src.keyColumns {
		keys[c.Name] = true
	}
	if src.WindowType != "" {
		keys["WINDOWSTART"], keys["WINDOWEND"] = true, true
	}
	return keys
}

// expectedString reads a string field of an expected object, honouring the
// "name|startsWith" form and {STATEMENT}.
func expectedString(m map[string]json.RawMessage, name, stmt string) (s string, prefix, ok bool) {
	raw, found := m[name]
	if !found {
		if raw, found = m[name+"|startsWith"]; !found {
			return "", false, false
		}
		prefix = true
	}
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return strings.ReplaceAll(s, "{STATEMENT}", stmt), prefix, true
}

// complexType stands for a json column: MAP, STRUCT or a nested ARRAY.
const complexType = "MAP|STRUCT|ARRAY"

// ksqlTypeOfField is the ksqlDB type name of a RowDescription field, as
// server/pgtypes.go maps Sluice types to Postgres ones.
func ksqlTypeOfField(f pgconn.FieldDescription) string {
	if f.DataTypeOID == 1700 && f.TypeModifier >= 4 {
		m := f.TypeModifier - 4
		return fmt.Sprintf("DECIMAL(%d,%d)", m>>16, m&0xffff)
	}
	return ksqlTypeOfOID(f.DataTypeOID)
}

func ksqlTypeOfOID(oid uint32) string {
	switch oid {
	case 16:
		return "BOOLEAN"
	case 17:
		return "BYTES"
	case 20:
		return "BIGINT"
	case 21, 23:
		return "INTEGER"
	case 25, 1042, 1043:
		return "STRING"
	case 114, 3802:
		return complexType
	case 700, 701:
		return "DOUBLE"
	case 1700:
		return "DECIMAL"
	case 1082:
		return "DATE"
	case 1083:
		return "TIME"
	case 1114, 1184:
		return "TIMESTAMP"
	}
	if elem, ok := arrayElemOID[oid]; ok {
		return "ARRAY<" + ksqlTypeOfOID(elem) + ">"
	}
	return fmt.Sprintf("OID %d", oid)
}

// arrayElemOID maps the Postgres array types Sluice uses to their element types.
var arrayElemOID = map[uint32]uint32{
	1000: 16, 1001: 17, 1007: 23, 1009: 25, 1016: 20, 1022: 701,
	1115: 1114, 1182: 1082, 1183: 1083, 1231: 1700,
}

// canonicalType normalizes a ksqlDB type as canonicalSchema does.
func canonicalType(t string) string {
	s := canonicalSchema([]Column{{Name: "X", Type: t}})
	return strings.TrimSpace(strings.TrimPrefix(s, "X "))
}

var decimalParams = regexp.MustCompile(`DECIMAL\(\d+,\d+\)`)

// typeMatches compares an expected canonical type with the one read from the wire.
func typeMatches(want, got string) bool {
	switch {
	case want == got:
		return true
	case got == complexType:
		return strings.HasPrefix(want, "MAP<") || strings.HasPrefix(want, "STRUCT<") || strings.HasPrefix(want, "ARRAY<")
	case strings.Contains(got, "DECIMAL") && !strings.Contains(got, "DECIMAL("):
		// A numeric without typmod (e.g. an array's elements): any precision.
		return decimalParams.ReplaceAllString(want, "DECIMAL") == got
	}
	return false
}

// compareRows compares expected rows with actual ones: the count must match, and
// then the rows in order or as a multiset.
func compareRows(want, got []any, verifyOrder bool) string {
	if len(want) != len(got) {
		return "count"
	}
	if verifyOrder {
		for i := range want {
			if !valuesMatch(want[i], got[i], false) {
				return "rows"
			}
		}
		return ""
	}
	if !multisetMatch(want, got) {
		return "rows"
	}
	return ""
}

// multisetMatch reports whether every expected row can be paired with its own
// matching actual row: a bipartite matching, since the comparator's leniency (an
// expected 10.0 matches an actual 10) makes greedy pairing unsound.
func multisetMatch(want, got []any) bool {
	owner := make([]int, len(got)) // actual row -> expected row paired with it, or -1
	for i := range owner {
		owner[i] = -1
	}
	ok := make([][]bool, len(want))
	for i := range want {
		ok[i] = make([]bool, len(got))
		for j := range got {
			ok[i][j] = valuesMatch(want[i], got[j], false)
		}
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for j := range got {
			if !ok[i][j] || seen[j] {
				continue
			}
			seen[j] = true
			if owner[j] < 0 || try(owner[j], seen) {
				owner[j] = i
				return true
			}
		}
		return false
	}
	for i := range want {
		if !try(i, make([]bool, len(got))) {
			return false
		}
	}
	return true
}

func rowsDiff(want, got []any, res wireResult) string {
	var b strings.Builder
	for _, w := range want {
		fmt.Fprintf(&b, "- %s\n", jsonText(w))
	}
	for _, g := range got {
		fmt.Fprintf(&b, "+ %s\n", jsonText(g))
	}
	return b.String()
}

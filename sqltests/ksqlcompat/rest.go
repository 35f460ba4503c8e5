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
// notion of a key column. wirequery.go runs the queries, restcompare.go compares
// their results and pgtext.go turns PG text values into ksqlDB's JSON values.

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
	for _, s := range env.catalog {
		s.sr = env.sr
	}
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

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestParseRestFile(t *testing.T) {
	data := []byte(`{"tests": [
	  // a comment, as Jackson allows
	  {"name": "pull", "format": ["JSON", "DELIMITED"],
	   "statements": ["CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', value_format='{FORMAT}');", "SELECT * FROM S;"],
	   "properties": {"ksql.query.pull.table.scan.enabled": true},
	   "inputs": [{"topic": "t", "key": 1, "value": {"V": 1.50}}],
	   "responses": [{"admin": {"@type": "currentStatus"}},
	                 {"query": [{"header": {"schema": "` + "`K` INTEGER KEY" + `"}}, {"row": {"columns": [1]}}, {"finalMessage": "Query Completed"}]}],
	   "inputConditions": {"waitForActivePushQuery": true},
	   "outputConditions": {"verifyOrder": true}},
	  {"name": "fails", "statements": ["SELECT 1 FROM X;"],
	   "expectedError": {"type": "io.confluent.ksql.rest.entity.KsqlErrorMessage", "message": "not found", "status": 400}}
	]}`)
	cs, err := parseRestFile("pull-queries-x", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 {
		t.Fatalf("%d cases, want 3 (two formats and one plain)", len(cs))
	}
	c := cs[1]
	if c.FullName != "pull-queries-x - pull - DELIMITED" || c.Statements[0] != "CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', value_format='DELIMITED');" {
		t.Errorf("got %q %q", c.FullName, c.Statements[0])
	}
	if c.Properties["ksql.query.pull.table.scan.enabled"] != "true" {
		t.Errorf("properties %v", c.Properties)
	}
	if c.Rest == nil || !c.Rest.WaitForPush || !c.Rest.VerifyOrder || len(c.Rest.Responses) != 2 || c.Rest.Responses[0].Admin == nil || len(c.Rest.Responses[1].Query) != 3 {
		t.Fatalf("spec %+v", c.Rest)
	}
	if string(c.Inputs[0].Value) != `{"V": 1.50}` {
		t.Errorf("input value %s: number literals must survive", c.Inputs[0].Value)
	}
	if got := expectedRowCount(c.Rest, 1); got != 1 {
		t.Errorf("expectedRowCount = %d", got)
	}
	if got := expectedRowCount(c.Rest, 0); got != -1 {
		t.Errorf("expectedRowCount of an admin response = %d", got)
	}
	if e := cs[2].Rest.ExpectedError; e == nil || e.Message != "not found" || cs[2].FullName != "pull-queries-x - fails" {
		t.Errorf("expected error %+v, name %q", e, cs[2].FullName)
	}
}

func TestRestSkipAndArea(t *testing.T) {
	c := &Case{File: "pull-queries-protobuf", Rest: &RestSpec{}}
	if SkipReason(c) == "" {
		t.Error("the protobuf file must be skipped")
	}
	// Schema Registry formats are in scope since the embedded registry (issue 18).
	for _, f := range []string{"AVRO", "JSON_SR", "PROTOBUF", "PROTOBUF_NOSR"} {
		c = &Case{File: "insert-values", Rest: &RestSpec{}, Statements: []string{"CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', value_format='" + f + "');"}}
		if r := SkipReason(c); r != "" {
			t.Errorf("%s: skip reason %q", f, r)
		}
	}
	for file, want := range map[string]string{
		"pull-queries-against-streams": "pull queries", "push-queries": "push queries", "insert-values": "insert values (REST)",
	} {
		if got := restArea(file); got != want {
			t.Errorf("restArea(%s) = %q, want %q", file, got, want)
		}
	}
}

func TestFirstQuery(t *testing.T) {
	stmts := []string{"CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', value_format='JSON');", "select * from s;", "SELECT * FROM S;", "SELECT K FROM S;"}
	// ksqlDB's executor looks for the exact prefix "SELECT ".
	if got := firstQuery(stmts); got != 2 {
		t.Errorf("firstQuery = %d, want 2", got)
	}
	if got := firstQuery(stmts[:1]); got != 1 {
		t.Errorf("firstQuery without a query = %d, want 1", got)
	}
}

func TestPGTextToJSON(t *testing.T) {
	for _, tc := range []struct {
		oid  uint32
		text *string
		want string // JSON of the result
	}{
		{16, ptr("t"), `true`},
		{16, ptr("f"), `false`},
		{23, ptr("-12"), `-12`},
		{20, ptr("9007199254740993"), `9007199254740993`},
		{701, ptr("225"), `225.0`}, // Java's Double.toString, as ksqlDB's REST API writes
		{701, ptr("1e+20"), `1.0E20`},
		{701, ptr("0.00001"), `1.0E-5`},
		{701, ptr("NaN"), `"NaN"`},
		{1700, ptr("1.50"), `1.50`},
		{25, ptr("a b"), `"a b"`},
		{17, ptr(`\x0102ff`), `"AQL/"`}, // []byte marshals as base64
		{114, ptr(`{"A":1.0,"B":[1,null]}`), `{"A":1.0,"B":[1,null]}`},
		{1114, ptr("2020-02-23 23:45:12.5"), `"2020-02-23T23:45:12.500"`},
		{1009, ptr(`{a,"b,c",NULL,"NULL","q\"x\\y",""}`), `["a","b,c",null,"NULL","q\"x\\y",""]`},
		{1007, ptr(`{1,2,NULL}`), `[1,2,null]`},
		{1022, ptr(`{1,2.5}`), `[1.0,2.5]`},
		{1007, ptr(`{}`), `[]`},
		{23, nil, `null`},
	} {
		var in []byte
		if tc.text != nil {
			in = []byte(*tc.text)
		}
		v, err := pgTextToJSON(tc.oid, in)
		if err != nil {
			t.Errorf("oid %d %v: %v", tc.oid, tc.text, err)
			continue
		}
		if got := jsonText(v); got != tc.want {
			t.Errorf("oid %d %q: got %s, want %s", tc.oid, deref(tc.text), got, tc.want)
		}
	}
	for _, bad := range []string{`{a,"b}`, `1,2`, `{a"b}`} {
		if _, err := parsePGArray(bad); err == nil {
			t.Errorf("parsePGArray(%q) accepted", bad)
		}
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<NULL>"
	}
	return *s
}

func fields(spec ...any) []pgconn.FieldDescription {
	var out []pgconn.FieldDescription
	for i := 0; i < len(spec); i += 2 {
		f := pgconn.FieldDescription{Name: spec[i].(string), DataTypeOID: spec[i+1].(uint32), TypeModifier: -1}
		out = append(out, f)
	}
	return out
}

func TestCompareHeader(t *testing.T) {
	dec := pgconn.FieldDescription{Name: "D", DataTypeOID: 1700, TypeModifier: (6<<16 | 2) + 4}
	id := map[string]bool{"ID": true}
	for _, tc := range []struct {
		header string
		fields []pgconn.FieldDescription
		keys   map[string]bool
		ok     bool
	}{
		{"`ID` STRING KEY, `COUNT` BIGINT", fields("ID", uint32(25), "COUNT", uint32(20)), id, true},
		{"`ID` STRING KEY, `COUNT` BIGINT", fields("ID", uint32(25), "COUNT", uint32(20)), nil, false},
		{"`ID` STRING, `COUNT` BIGINT", fields("ID", uint32(25), "COUNT", uint32(20)), id, false},
		{"`ID` STRING KEY, `COUNT` BIGINT", fields("ID", uint32(25), "COUNT", uint32(23)), id, false},
		{"`ID` STRING KEY, `COUNT` BIGINT", fields("ID", uint32(25)), id, false},
		{"`Key` STRING", fields("KEY", uint32(25)), nil, false}, // names are case-sensitive
		{"ID INT, V VARCHAR", fields("ID", uint32(23), "V", uint32(25)), nil, true},
		{"`R` ARRAY<STRING>, `F` DOUBLE", fields("R", uint32(1009), "F", uint32(701)), nil, true},
		// json stands for any MAP, STRUCT or nested ARRAY.
		{"`M` MAP<STRING, INTEGER>, `S` STRUCT<`A` INTEGER>", fields("M", uint32(114), "S", uint32(114)), nil, true},
		{"`M` STRING", fields("M", uint32(114)), nil, false},
		{"`D` DECIMAL(6, 2)", []pgconn.FieldDescription{dec}, nil, true},
		{"`D` DECIMAL(6, 3)", []pgconn.FieldDescription{dec}, nil, false},
		{"`A` ARRAY<DECIMAL(4, 2)>", fields("A", uint32(1231)), nil, true},
	} {
		raw, _ := json.Marshal(map[string]string{"schema": tc.header})
		kind, diff := compareHeader(raw, tc.fields, tc.keys, "SELECT 1;")
		if (kind == "") != tc.ok {
			t.Errorf("%s vs %+v: kind %q\n%s", tc.header, tc.fields, kind, diff)
		}
	}
	// name|startsWith and {STATEMENT}.
	raw := json.RawMessage(`{"schema|startsWith": "` + "`ID` STRING KEY" + `"}`)
	if kind, diff := compareHeader(raw, fields("ID", uint32(25), "X", uint32(23)), id, ""); kind != "" {
		t.Errorf("startsWith: %s", diff)
	}
	m := map[string]json.RawMessage{"statementText": json.RawMessage(`"ran {STATEMENT}"`)}
	if s, prefix, ok := expectedString(m, "statementText", "SELECT 1;"); !ok || prefix || s != "ran SELECT 1;" {
		t.Errorf("expectedString = %q %v %v", s, prefix, ok)
	}
}

func TestResultKeyColumns(t *testing.T) {
	cat := map[string]*SourceInfo{
		"AGG":   {Name: "AGG", Kind: "TABLE", WindowType: "TUMBLING", keyColumns: []Column{{Name: "ID", Role: "KEY"}}},
		"S1":    {Name: "S1", Kind: "STREAM", keyColumns: []Column{{Name: "K", Role: "KEY"}}},
		"lower": {Name: "lower", Kind: "TABLE", keyColumns: []Column{{Name: "k", Role: "KEY"}}},
	}
	for stmt, want := range map[string]string{
		"SELECT * FROM agg WHERE ID='10';":        "ID WINDOWEND WINDOWSTART",
		"SELECT * FROM AGG EMIT CHANGES LIMIT 1;": "", // push queries mark no key
		"SELECT * FROM S1;":                       "", // nor do pull queries on streams
		"SELECT * FROM `lower`;":                  "k",
		"SELECT ID, COUNT FROM AGG A WHERE ID=1;": "ID WINDOWEND WINDOWSTART",
		"SELECT * FROM NOSUCH;":                   "",
		"SELECT 1 AS X FROM\n  AGG\nWHERE ID=1;":  "ID WINDOWEND WINDOWSTART",
	} {
		var got []string
		for k := range resultKeyColumns(stmt, cat) {
			got = append(got, k)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != want {
			t.Errorf("%s: keys %v, want %s", stmt, got, want)
		}
	}
}

func TestCompareRows(t *testing.T) {
	rows := func(js string) []any {
		v, err := decodeJSON([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return v.([]any)
	}
	for _, tc := range []struct {
		want, got string
		order     bool
		kind      string
	}{
		{`[[1,"a"],[2,"b"]]`, `[[2,"b"],[1,"a"]]`, false, ""},
		{`[[1,"a"],[2,"b"]]`, `[[2,"b"],[1,"a"]]`, true, "rows"},
		{`[[1],[1]]`, `[[1]]`, false, "count"},
		{`[[1],[1]]`, `[[1],[2]]`, false, "rows"},
		// An expected 10.0 matches an actual 10 and 10.0, an expected 10 only 10: a
		// greedy pairing would give the 10 to the first expected row and fail.
		{`[[10.0],[10]]`, `[[10],[10.0]]`, false, ""},
		{`[[10],[10]]`, `[[10],[10.0]]`, false, "rows"},
		{`[[10.0],[10]]`, `[[10],[10]]`, false, ""},
		{`[[{"A":1}]]`, `[[{"A":1}]]`, false, ""},
	} {
		if got := compareRows(rows(tc.want), rows(tc.got), tc.order); got != tc.kind {
			t.Errorf("%s vs %s (order %v): %q, want %q", tc.want, tc.got, tc.order, got, tc.kind)
		}
	}
	// The bipartite matching finds a pairing a greedy one misses.
	if !multisetMatch(rows(`[[10.0],[10]]`), rows(`[[10],[10]]`)) {
		t.Error("multisetMatch missed a pairing")
	}
	want := rows(`[["x"],[10.0]]`)
	got := rows(`[[10],["x"]]`)
	if !multisetMatch(want, got) {
		t.Error("multisetMatch missed a pairing")
	}
}

func TestCompareQueryResponse(t *testing.T) {
	var exp []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(`[
		{"header": {"schema": "`+"`K` STRING KEY, `V` DOUBLE"+`"}},
		{"row": {"columns": ["a", 1.5]}},
		{"row": {"columns": ["b", null], "tombstone": true}},
		{"finalMessage": "Limit Reached"}]`), &exp); err != nil {
		t.Fatal(err)
	}
	res := wireResult{
		fields:   fields("K", uint32(25), "V", uint32(701)),
		rows:     [][][]byte{{[]byte("b"), nil}, {[]byte("a"), []byte("1.5")}},
		complete: true,
	}
	if kind, diff := compareQueryResponse(exp, res, "", map[string]bool{"K": true}, false); kind != "" {
		t.Fatalf("%s\n%s", kind, diff)
	}
	res.complete = false
	if kind, _ := compareQueryResponse(exp, res, "", map[string]bool{"K": true}, false); kind != "final message" {
		t.Errorf("an unfinished query gave %q, want final message", kind)
	}
	res.complete = true
	res.rows = res.rows[:1]
	if kind, _ := compareQueryResponse(exp, res, "", map[string]bool{"K": true}, false); kind != "count" {
		t.Errorf("a missing row gave %q, want count", kind)
	}
	res.rows = [][][]byte{{[]byte("b"), nil}, {[]byte("a"), []byte("1.25")}}
	kind, diff := compareQueryResponse(exp, res, "", map[string]bool{"K": true}, false)
	if kind != "rows" || !reflect.DeepEqual(diff, "- [\"a\",1.5]\n- [\"b\",null]\n+ [\"b\",null]\n+ [\"a\",1.25]\n") {
		t.Errorf("a differing value gave %q\n%s", kind, diff)
	}
}

// TestRestOverWire runs a few synthetic REST cases against a real sluice: a push
// query that must be running before its inputs, a pull query over a CTAS table, an
// expected error, INSERT VALUES checked on the topic, and a case that must fail.
func TestRestOverWire(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts sluice")
	}
	dir := t.TempDir()
	restDir := filepath.Join(dir, "rest-query-validation-tests")
	if err := os.Mkdir(restDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const create = "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');"
	inputs := `[{"topic": "test_topic", "timestamp": 1, "key": "a", "value": {"ID": 1}},
	            {"topic": "test_topic", "timestamp": 2, "key": "b", "value": {"ID": 2}},
	            {"topic": "test_topic", "timestamp": 3, "key": "a", "value": {"ID": 3}}]`
	file := `{"tests": [
	  {"name": "push waits", "statements": ["` + create + `", "SELECT K, ID FROM INPUT EMIT CHANGES LIMIT 3;"],
	   "inputs": ` + inputs + `, "inputConditions": {"waitForActivePushQuery": true}, "outputConditions": {"verifyOrder": true},
	   "responses": [{"admin": {"@type": "currentStatus"}}, {"query": [
	     {"header": {"schema": "` + "`K` STRING, `ID` INTEGER" + `"}},
	     {"row": {"columns": ["a", 1]}}, {"row": {"columns": ["b", 2]}}, {"row": {"columns": ["a", 3]}},
	     {"finalMessage": "Limit Reached"}]}]},
	  {"name": "pull on ctas", "statements": ["` + create + `",
	     "CREATE TABLE T AS SELECT K, COUNT(*) AS C, SUM(ID) AS S FROM INPUT GROUP BY K;", "SELECT * FROM T;"],
	   "inputs": ` + inputs + `,
	   "responses": [{"admin": {"@type": "currentStatus"}}, {"admin": {"@type": "currentStatus"}}, {"query": [
	     {"header": {"schema": "` + "`K` STRING KEY, `C` BIGINT, `S` INTEGER" + `"}},
	     {"row": {"columns": ["b", 1, 2]}}, {"row": {"columns": ["a", 2, 4]}}]}]},
	  {"name": "pull with wrong rows", "statements": ["` + create + `",
	     "CREATE TABLE T AS SELECT K, COUNT(*) AS C FROM INPUT GROUP BY K;", "SELECT * FROM T;"],
	   "inputs": ` + inputs + `,
	   "responses": [{"admin": {"@type": "currentStatus"}}, {"admin": {"@type": "currentStatus"}}, {"query": [
	     {"header": {"schema": "` + "`K` STRING KEY, `C` BIGINT" + `"}},
	     {"row": {"columns": ["b", 1]}}, {"row": {"columns": ["a", 3]}}]}]},
	  {"name": "error", "statements": ["` + create + `", "SELECT * FROM NOSUCH;"],
	   "expectedError": {"type": "io.confluent.ksql.rest.entity.KsqlErrorMessage", "message": "NOSUCH", "status": 400}},
	  {"name": "insert values", "statements": ["` + create + `", "INSERT INTO INPUT (ROWTIME, K, ID) VALUES (1234, 'k', 10);"],
	   "inputs": [], "outputs": [{"topic": "test_topic", "timestamp": 1234, "key": "k", "value": {"ID": 10}}],
	   "responses": [{"admin": {"@type": "currentStatus"}}]}
	]}`
	if err := os.WriteFile(filepath.Join(restDir, "synthetic.json"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := RunAll(ctx, Options{Dir: dir, Jobs: 4, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Verdict{
		"synthetic - push waits": Pass, "synthetic - pull on ctas": Pass, "synthetic - pull with wrong rows": Fail,
		"synthetic - error": Pass, "synthetic - insert values": Pass,
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for _, r := range results {
		if r.Verdict != want[r.Case] {
			t.Errorf("%s: %s %s, want %s\n%s", r.Case, r.Verdict, r.Reason, want[r.Case], indent(r.Detail))
		}
		if r.Area != "REST (other)" {
			t.Errorf("%s: area %q", r.Case, r.Area)
		}
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNumbersMatch(t *testing.T) {
	for _, tc := range []struct {
		exp, act string
		want     bool
	}{
		{"10", "10", true},
		{"10.0", "10", true}, // an int actual truncates the expected value
		{"10.7", "10", true},
		{"10", "10.0", false}, // a decimal actual with scale > 0 never equals an integer
		{"1.5", "1.50", false},
		{"1.50", "1.50", true},
		{"1E+2", "1E+2", true},
		{"0.00001", "1.0E-5", false}, // scale 5 vs scale 6
		{"0.000010", "1.0E-5", true},
		{"100", "1E+2", true}, // scale -2 <= 0 and equal value
		{"12345678901234567890", "12345678901234567890", false},
	} {
		en, _ := parseNumber(tc.exp)
		an, _ := parseNumber(tc.act)
		if got := numbersMatch(en, an, false); got != tc.want {
			t.Errorf("numbersMatch(%s, %s) = %v, want %v", tc.exp, tc.act, got, tc.want)
		}
	}
}

func TestValuesMatchObjects(t *testing.T) {
	for _, tc := range []struct {
		exp, act string
		want     bool
	}{
		{`{"id":1}`, `{"ID":1}`, true},  // expected names are also looked up in upper case
		{`{"ID":1}`, `{"id":1}`, false}, // but not the other way round
		{`{"A":1}`, `{"A":1,"B":2}`, false},
		{`[1,2]`, `[1,2]`, true},
		{`[1,2]`, `[1]`, false},
		{`"1.50"`, `1.50`, true}, // a string expected against a decimal actual
		{`null`, `null`, true},
		{`{"X":null}`, `{"Y":null}`, true}, // a missing field reads as null (Map.get)
		{`{"X":1}`, `{"Y":1}`, false},
	} {
		e, _ := decodeJSON([]byte(tc.exp))
		a, _ := decodeJSON([]byte(tc.act))
		if got := valuesMatch(e, a, false); got != tc.want {
			t.Errorf("valuesMatch(%s, %s) = %v, want %v", tc.exp, tc.act, got, tc.want)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		225: "225.0", 1.946195068359375e15: "1.946195068359375E15", 0.00001: "1.0E-5",
		0.001: "0.001", 1e7: "1.0E7", -2.5: "-2.5", 0: "0.0",
	} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestWindowedKeyRoundTrip(t *testing.T) {
	src := &SourceInfo{KeyFormat: "KAFKA", WindowType: "SESSION", keyColumns: []Column{{Name: "K", Type: "BIGINT", Role: "KEY"}}}
	rec := Record{Key: json.RawMessage(`7`), Window: &Window{Start: 10, End: 20, Type: "session"}}
	b, err := encodeKey(src, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 24 {
		t.Fatalf("session key of %d bytes, want 8+16", len(b))
	}
	k, err := decodeKey(src, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	if k.window == nil || *k.window != *rec.Window || k.value != json.Number("7") {
		t.Fatalf("decoded %+v %+v", k.value, k.window)
	}
}

func TestStripCommentsKeepsStrings(t *testing.T) {
	in := "{\"a\": \"x//y\", // comment\n /* block */ \"b\": 1}"
	var v map[string]any
	if err := json.Unmarshal(stripComments([]byte(in)), &v); err != nil {
		t.Fatal(err)
	}
	if v["a"] != "x//y" || v["b"] != float64(1) {
		t.Fatalf("got %v", v)
	}
}

func TestParseSchema(t *testing.T) {
	cols := parseSchema("`ID` INTEGER KEY, `S` STRUCT<`A` INTEGER, `B` STRING>, `H` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS")
	if len(cols) != 3 || cols[0].Role != "KEY" || cols[1].Type != "STRUCT<`A` INTEGER, `B` STRING>" || cols[2].Role != "HEADER" {
		t.Fatalf("got %+v", cols)
	}
}

func TestCanonicalSchemaIgnoresSpacingInTypes(t *testing.T) {
	for _, c := range []struct{ want, got string }{
		{"ID STRING KEY, DEC DECIMAL(6,4)", "`ID` STRING KEY, `DEC` DECIMAL(6, 4)"},
		{"S STRUCT< >", "`S` STRUCT<>"},
		{"S STRUCT<A INT,B VARCHAR>", "`S` STRUCT<`A` INTEGER, `B` STRING>"},
		{"K INT PRIMARY KEY, v INT", "`K` INTEGER KEY, `V` INTEGER"}, // PRIMARY KEY; unquoted names upper-cased
	} {
		w, g := canonicalSchema(parseSchema(c.want)), canonicalSchema(parseSchema(c.got))
		if w != g {
			t.Errorf("%q and %q: %s != %s", c.want, c.got, w, g)
		}
	}
}

// WriteBaseline keeps the comments above the cases that still fail, drops those
// whose cases all pass, and lists new failures first.
func TestWriteBaselineKeepsComments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baseline.txt")
	old := baselineHeader + "a - one\n# why b and c fail\nb - two\nc - three\n# why d fails\nd - four\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	results := []Result{{Case: "c - three", Verdict: Fail}, {Case: "z - new", Verdict: Error}, {Case: "d - four", Verdict: Pass}, {Case: "a - one", Verdict: Fail}}
	if err := WriteBaseline(path, results); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := baselineHeader + "z - new\na - one\n# why b and c fail\nc - three\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// The test-only rule skips ksqlDB's test fixtures and nothing that Sluice (or
// ksqlDB's reference) ships: every built-in name is checked against it.
func TestTestOnlyFunctions(t *testing.T) {
	for stmt, want := range map[string]string{
		"SELECT TEST_UDF(a) FROM s;":                           "TEST_UDF",
		"SELECT test_udtf1(a), x FROM s;":                      "TEST_UDTF1",
		"CREATE TABLE t AS SELECT k, BAD_TEST_UDAF(v) FROM s":  "BAD_TEST_UDAF",
		"SELECT throwing_udtf (a) FROM s;":                     "THROWING_UDTF",
		"SELECT MID_VAR_ARG(a, b) FROM s;":                     "MID_VAR_ARG",
		"SELECT FOUR_ARG(a, b, c, d) FROM s;":                  "FOUR_ARG",
		"SELECT WHENCONDITION(a, b) FROM s;":                   "WHENCONDITION",
		"SELECT EXPLODE(a), ATTR(b) FROM s;":                   "",
		"SELECT 'TEST_UDF(x)' AS s FROM s;":                    "",
		"SELECT `TEST_UDF(` FROM s;":                           "",
		"SELECT test_udf FROM s;":                              "",
		"CREATE STREAM TEST_STREAM (ID BIGINT KEY) WITH (x=1)": "",
		"INSERT INTO TEST_TABLE (ID) VALUES (1);":              "",
	} {
		if got := TestOnlyFunction(stmt); got != want {
			t.Errorf("TestOnlyFunction(%q) = %q, want %q", stmt, got, want)
		}
	}
	for _, name := range builtinFunctionNames(t) {
		if testOnlyFunction.MatchString(name) {
			t.Errorf("the test-only rule matches the built-in function %s", name)
		}
	}
}

// builtinFunctionNames are the functions of ksqlDB's reference
// (scalar-functions.md, aggregate-functions.md, table-functions.md).
func builtinFunctionNames(*testing.T) []string {
	return strings.Fields(`ABS ACOS ASIN ATAN ATAN2 AS_VALUE CBRT CEIL COS COSH COT DEGREES ENTRIES EXP
		FLOOR GENERATE_SERIES GEO_DISTANCE GREATEST LEAST LN LOG PI POWER RADIANS RANDOM ROUND SIGN
		SIN SINH SQRT TAN TANH TRUNC ARRAY ARRAY_CONCAT ARRAY_CONTAINS ARRAY_DISTINCT ARRAY_EXCEPT
		ARRAY_INTERSECT ARRAY_JOIN ARRAY_LENGTH ARRAY_MAX ARRAY_MIN ARRAY_REMOVE ARRAY_SORT ARRAY_UNION
		AS_MAP ELT FIELD JSON_ARRAY_CONTAINS MAP MAP_KEYS MAP_VALUES MAP_UNION SLICE TRANSFORM FILTER
		REDUCE CHR CONCAT CONCAT_WS ENCODE EXTRACTJSONFIELD FROM_BYTES IS_JSON_STRING JSON_ARRAY_LENGTH
		JSON_CONCAT JSON_KEYS JSON_RECORDS JSON_ITEMS TO_JSON_STRING INITCAP INSTR LCASE LEN LPAD MASK
		MASK_KEEP_LEFT MASK_KEEP_RIGHT MASK_LEFT MASK_RIGHT MD5 REPLACE REGEXP_EXTRACT REGEXP_EXTRACT_ALL
		REGEXP_REPLACE REGEXP_SPLIT_TO_ARRAY RPAD SPLIT SPLIT_TO_MAP SUBSTRING TO_BYTES TRIM UCASE UUID
		BIGINT_FROM_BYTES DOUBLE_FROM_BYTES INT_FROM_BYTES COALESCE IFNULL NULLIF CONVERT_TZ DATEADD
		DATESUB FORMAT_DATE FORMAT_TIME FORMAT_TIMESTAMP FROM_DAYS FROM_UNIXTIME PARSE_DATE PARSE_TIME
		PARSE_TIMESTAMP TIMEADD TIMESUB TIMESTAMPADD TIMESTAMPSUB UNIX_DATE UNIX_TIMESTAMP
		URL_DECODE_PARAM URL_ENCODE_PARAM URL_EXTRACT_FRAGMENT URL_EXTRACT_HOST URL_EXTRACT_PARAMETER
		URL_EXTRACT_PATH URL_EXTRACT_PORT URL_EXTRACT_PROTOCOL URL_EXTRACT_QUERY DATETOSTRING
		STRINGTODATE STRINGTOTIMESTAMP TIMESTAMPTOSTRING ATTR AVG COLLECT_LIST COLLECT_SET CORRELATION
		COUNT COUNT_DISTINCT EARLIEST_BY_OFFSET HISTOGRAM LATEST_BY_OFFSET MAX MIN STDDEV_SAMP
		STDDEV_SAMPLE SUM SUM_LIST TOPK TOPKDISTINCT EXPLODE CUBE_EXPLODE`)
}

package main

import (
	"regexp"
	"strings"
)

var (
	// functionCall finds NAME( in a statement; quoted text is blanked first.
	functionCall = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	// testOnlyFunction is the naming rule of the functions ksqlDB defines in
	// its test sources (ksqldb-engine/src/test/.../function/udf and udaf,
	// ksqldb-functional-tests), which its product does not ship: TEST_UDF,
	// TEST_UDAF, TEST_UDTF, TEST_UDTF1, BAD_TEST_UDAF, BAD_UDF, THROWING_UDTF,
	// the argument-shape fixtures MULTI_ARG, FOUR_ARG, FIVE_ARG, VAR_ARG,
	// MID_VAR_ARG, GENERIC_VAR_ARG, OBJ_COL_ARG, and the TOSTRUCT, WHENCONDITION
	// and WHENRESULT helpers. No built-in function of ksqlDB's reference matches
	// it (the conformance test checks that against Sluice's registry).
	testOnlyFunction = regexp.MustCompile(`(?i)^(TEST_[A-Z0-9_]*|[A-Z0-9_]*_TEST_[A-Z0-9_]*|BAD_[A-Z0-9_]+|THROWING_[A-Z0-9_]+|[A-Z0-9_]*_ARG|TOSTRUCT|WHENCONDITION|WHENRESULT)$`)
	quotedText       = regexp.MustCompile(`'(?:[^']|'')*'|` + "`[^`]*`")
)

// TestOnlyFunction returns the first function a statement calls that ksqlDB
// defines only in its test sources, or "". A name followed by '(' after
// STREAM, TABLE, EXISTS, INTO or TYPE is a source with its column list, not a
// call.
func TestOnlyFunction(stmt string) string {
	text := quotedText.ReplaceAllString(stmt, "''")
	for _, m := range functionCall.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[2]:m[3]]
		if !testOnlyFunction.MatchString(name) {
			continue
		}
		before := strings.Fields(text[:m[2]])
		if n := len(before); n > 0 && sourceNameKeywords[strings.ToUpper(before[n-1])] {
			continue
		}
		return strings.ToUpper(name)
	}
	return ""
}

var sourceNameKeywords = map[string]bool{"STREAM": true, "TABLE": true, "EXISTS": true, "INTO": true, "TYPE": true}

// SkipReason says why a case is out of scope, or "" when it is in scope.
func SkipReason(c *Case) string {
	if c.Disabled {
		return "disabled in ksqlDB's own suite"
	}
	if c.Rest != nil {
		if r := restSkipReason(c); r != "" {
			return r
		}
	}
	for _, s := range c.Statements {
		if f := TestOnlyFunction(s); f != "" {
			return "function " + f + " exists only in ksqlDB's test sources"
		}
	}
	return ""
}

// areas group files by feature for the summary table.
var areas = []struct{ area, files string }{
	{"joins", "joins join-with-custom-timestamp multi-joins stream-table-join table-table-join fk-n-way-join"},
	{"windows", "tumbling-windows hopping-windows session-windows window-bounds windowed-source suppress"},
	{"aggregation", "group-by count sum average average-udaf collect-list collect-set count-distinct correlation-udaf earliest-offset-udaf histogram max-group-by topk-group-by topk-distinct udaf generic-variadic-udaf middle-variadic-udaf obj-var-col-arg-udaf test-custom-udaf variadic-udaf"},
	{"tables", "table source-stream"},
	{"formats", "delimited kafka json key-schemas avro json_sr multiple-avro-maps multi-col-keys simple-struct quoted-identifiers"},
	{"headers & system columns", "headers row-offset-and-partition system-columns timestamp"},
	{"partition by & insert", "partition-by insert-into sink-partitions-replicas"},
	{"projection & filter", "project-filter select where filter literals null operators comparison-expression binary-comparison case-expression like"},
	{"casts & decimals", "cast decimal udf-implicit-cast"},
}

// Area returns the feature area of a file; scalar functions are everything else.
func Area(file string) string {
	for _, a := range areas {
		for _, p := range strings.Fields(a.files) {
			if file == p {
				return a.area
			}
		}
	}
	return "scalar functions"
}

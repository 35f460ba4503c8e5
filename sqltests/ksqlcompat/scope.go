package main

import (
	"regexp"
	"strings"
)

// testUDFs are functions ksqlDB's test suite loads from Java test classes.
var testUDFs = regexp.MustCompile(`(?i)\b(TEST_UDF|TEST_UDAF|VAR_ARG|MID_VAR_ARG|GENERIC_VAR_ARG|OBJ_COL_ARG|TOSTRUCT|BAD_UDF|WHENCONDITION)\s*\(`)

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
		if m := testUDFs.FindStringSubmatch(s); m != nil {
			return "Java test UDF " + strings.ToUpper(m[1])
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

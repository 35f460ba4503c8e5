package parser

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// ksqlFunctions are ksqlDB's built-in function names (KSQL-REFERENCE.md §2.2).
var ksqlFunctions = strings.Fields(`ABS ACOS ASIN ATAN ATAN2 AS_VALUE CBRT CEIL COS COSH COT DEGREES
ENTRIES EXP FLOOR GENERATE_SERIES GEO_DISTANCE GREATEST LEAST LN LOG PI POWER RADIANS RANDOM ROUND
SIGN SIN SINH SQRT TAN TANH TRUNC ARRAY_CONCAT ARRAY_CONTAINS ARRAY_DISTINCT ARRAY_EXCEPT
ARRAY_INTERSECT ARRAY_JOIN ARRAY_LENGTH ARRAY_MAX ARRAY_MIN ARRAY_REMOVE ARRAY_SORT ARRAY_UNION
AS_MAP ELT FIELD JSON_ARRAY_CONTAINS MAP_KEYS MAP_VALUES MAP_UNION SLICE TRANSFORM FILTER REDUCE
CHR CONCAT CONCAT_WS ENCODE EXTRACTJSONFIELD FROM_BYTES IS_JSON_STRING JSON_ARRAY_LENGTH
JSON_CONCAT JSON_KEYS JSON_RECORDS JSON_ITEMS TO_JSON_STRING INITCAP INSTR LCASE LEN LPAD MASK
MASK_KEEP_LEFT MASK_KEEP_RIGHT MASK_LEFT MASK_RIGHT MD5 REPLACE REGEXP_EXTRACT REGEXP_EXTRACT_ALL
REGEXP_REPLACE REGEXP_SPLIT_TO_ARRAY RPAD SPLIT SPLIT_TO_MAP SUBSTRING TO_BYTES TRIM UCASE UUID
BIGINT_FROM_BYTES DOUBLE_FROM_BYTES INT_FROM_BYTES COALESCE IFNULL NULLIF CONVERT_TZ DATEADD
DATESUB FORMAT_DATE FORMAT_TIME FORMAT_TIMESTAMP FROM_DAYS FROM_UNIXTIME PARSE_DATE PARSE_TIME
PARSE_TIMESTAMP TIMEADD TIMESUB TIMESTAMPADD TIMESTAMPSUB UNIX_DATE UNIX_TIMESTAMP URL_DECODE_PARAM
URL_ENCODE_PARAM URL_EXTRACT_FRAGMENT URL_EXTRACT_HOST URL_EXTRACT_PARAMETER URL_EXTRACT_PATH
URL_EXTRACT_PORT URL_EXTRACT_PROTOCOL URL_EXTRACT_QUERY DATETOSTRING STRINGTODATE STRINGTOTIMESTAMP
TIMESTAMPTOSTRING AVG COLLECT_LIST COLLECT_SET CORRELATION COUNT_DISTINCT EARLIEST_BY_OFFSET
HISTOGRAM LATEST_BY_OFFSET MAX MIN STDDEV_SAMP STDDEV_SAMPLE SUM TOPK TOPKDISTINCT EXPLODE
CUBE_EXPLODE POSITION LEFT RIGHT`)

// TestFunctionNameCollisions computes which ksqlDB function names TiDB does not
// read as a plain two-argument call (MySQL keywords and special syntax), and
// checks that the rewrite (every user call becomes `fn.NAME`(...)) parses all
// of them, the colliding ones included, as an ordinary Call.
func TestFunctionNameCollisions(t *testing.T) {
	tp := newTiDB()
	var collide []string
	for _, name := range ksqlFunctions {
		stmts, _, err := tp.Parse("SELECT "+name+"(a, b) FROM t", "", "")
		plain := false
		if err == nil {
			if sel, ok := stmts[0].(*ast.SelectStmt); ok {
				fc, ok := sel.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
				plain = ok && strings.EqualFold(fc.FnName.O, name)
			}
		}
		if !plain {
			collide = append(collide, name)
		}
	}
	t.Logf("names TiDB does not read as a plain call: %s", strings.Join(collide, " "))
	for _, want := range []string{"SPLIT", "POSITION", "TIMESTAMPADD", "HISTOGRAM", "CORRELATION"} {
		if !strings.Contains(" "+strings.Join(collide, " ")+" ", " "+want+" ") {
			t.Errorf("expected %s to collide (DEPENDENCIES.md §2.1); has TiDB changed?", want)
		}
	}
	p := New()
	for _, name := range ksqlFunctions {
		e, err := p.ParseExpr(name + "(a, b)")
		if err != nil {
			t.Errorf("%s(a, b): %v", name, err)
			continue
		}
		if c, ok := e.(*Call); !ok || c.Name != name || len(c.Args) != 2 {
			t.Errorf("%s(a, b) parsed as %s", name, FormatExpr(e))
		}
	}
}

package expr

import (
	"math"
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestFunctions evaluates one call per row: function name, arguments, expected
// rendered value (ERROR for an *EvalError) and result type.
func TestFunctions(t *testing.T) {
	reg := NewRegistry(Config{})
	ts := func(ms int64) Expr { return lit(types.Timestamp(ms), types.TimestampType) }
	arr := func(es ...Expr) Expr { return must(t)(NewArray(es)) }
	for _, tc := range []struct {
		fn       string
		args     []Expr
		want     string
		wantType string
	}{
		{"UCASE", []Expr{str("abc")}, "ABC", "STRING"},
		{"LCASE", []Expr{null()}, "NULL", "STRING"},
		{"LEN", []Expr{str("héllo")}, "5", "INTEGER"},
		{"CONCAT", []Expr{str("a"), null(), str("c")}, "ac", "STRING"},
		{"CONCAT_WS", []Expr{str("-"), str("a"), null(), str("c")}, "a-c", "STRING"},
		{"SUBSTRING", []Expr{str("hello"), i32(2)}, "ello", "STRING"},
		{"SUBSTRING", []Expr{str("hello"), i32(-3), i32(2)}, "ll", "STRING"},
		{"SUBSTRING", []Expr{str("hello"), i32(10)}, "", "STRING"},
		{"TRIM", []Expr{str("  a b \t")}, "a b", "STRING"},
		{"REPLACE", []Expr{str("aXbX"), str("X"), str("-")}, "a-b-", "STRING"},
		{"INSTR", []Expr{str("CORPORATE FLOOR"), str("OR")}, "2", "INTEGER"},
		{"INSTR", []Expr{str("CORPORATE FLOOR"), str("OR"), i32(3), i32(2)}, "14", "INTEGER"},
		{"INSTR", []Expr{str("CORPORATE FLOOR"), str("OR"), i32(-3)}, "5", "INTEGER"},
		{"LPAD", []Expr{str("ab"), i32(5), str("xy")}, "xyxab", "STRING"},
		{"RPAD", []Expr{str("abc"), i32(2), str("x")}, "ab", "STRING"},
		{"SPLIT", []Expr{str("a,b,,c"), str(",")}, "[a, b, , c]", "ARRAY<STRING>"},
		{"INITCAP", []Expr{str("hello wORLD")}, "Hello World", "STRING"},
		{"MASK", []Expr{str("Ab1-")}, "Xxn-", "STRING"},
		{"MASK_KEEP_LEFT", []Expr{str("Ab1-"), i32(2)}, "Abn-", "STRING"},
		{"MASK_RIGHT", []Expr{str("Ab1-"), i32(2)}, "Abn-", "STRING"},
		{"REGEXP_EXTRACT", []Expr{str("(\\w+)@"), str("me@x.com"), i32(1)}, "me", "STRING"},
		{"REGEXP_REPLACE", []Expr{str("a1b22"), str("(\\d+)"), str("<$1>")}, "a<1>b<22>", "STRING"},
		{"REGEXP_SPLIT_TO_ARRAY", []Expr{str("a1b22c"), str("\\d+")}, "[a, b, c]", "ARRAY<STRING>"},
		{"CHR", []Expr{i32(65)}, "A", "STRING"},
		{"CHR", []Expr{str("\\u0042")}, "B", "STRING"},
		{"CHR", []Expr{str("\\ud820\\udeb8")}, "\U000182b8", "STRING"},
		{"CHR", []Expr{str("004b")}, "NULL", "STRING"},
		{"CHR", []Expr{str("")}, "NULL", "STRING"},
		{"MD5", []Expr{str("r1")}, "7c92cf1eee8d99cc85f8355a3d6e4b86", "STRING"},
		{"MD5", []Expr{str("")}, "d41d8cd98f00b204e9800998ecf8427e", "STRING"},
		{"SPLIT_TO_MAP", []Expr{str("apple:green//banana:yellow:x/cherry/"), str("/"), str(":")}, "{apple=green, banana=yellow}", "MAP<STRING, STRING>"},
		{"SPLIT_TO_MAP", []Expr{str("a:b"), str(""), str(":")}, "NULL", "MAP<STRING, STRING>"},
		{"SUBSTRING", []Expr{lit([]byte("some_string"), types.BytesType), i32(6), i32(3)}, "c3Ry", "BYTES"},
		{"SUBSTRING", []Expr{lit([]byte("short"), types.BytesType), i32(6)}, "", "BYTES"},
		{"CONCAT_WS", []Expr{lit([]byte("a"), types.BytesType), lit([]byte("b"), types.BytesType), null(), lit([]byte("no"), types.BytesType)}, "YmFubw==", "BYTES"},
		{"LPAD", []Expr{lit([]byte("yes"), types.BytesType), i32(3), lit([]byte{}, types.BytesType)}, "NULL", "BYTES"},
		{"COALESCE", []Expr{null(), i32(1), i64(2)}, "1", "BIGINT"},
		{"IFNULL", []Expr{lit(nil, types.StringType), str("x")}, "x", "STRING"},
		{"NULLIF", []Expr{i32(1), i32(1)}, "NULL", "INTEGER"},
		{"ABS", []Expr{i32(-3)}, "3", "INTEGER"},
		{"ABS", []Expr{dec(t, "-3.2", 2, 1)}, "3.2", "DECIMAL(2, 1)"},
		{"CEIL", []Expr{f64(-1.5)}, "-1.0", "DOUBLE"},
		{"FLOOR", []Expr{dec(t, "-1.1", 2, 1)}, "-2.0", "DECIMAL(2, 1)"},
		{"ROUND", []Expr{f64(-1.5)}, "-1", "BIGINT"},
		{"ROUND", []Expr{f64(1.5)}, "2", "BIGINT"},
		{"ROUND", []Expr{f64(12345.678), i32(-2)}, "12300.0", "DOUBLE"},
		{"ROUND", []Expr{f64(1.234567), i32(2)}, "1.23", "DOUBLE"},
		{"ROUND", []Expr{dec(t, "12345678987654321.2345678987654321", 33, 16)}, "12345678987654321", "DECIMAL(17, 0)"},
		{"ROUND", []Expr{dec(t, "12345678987654321.2345678987654321", 33, 16), i32(-1)}, "12345678987654320.0000000000000000", "DECIMAL(33, 16)"},
		{"TRUNC", []Expr{f64(-1.7)}, "-1", "BIGINT"},
		{"SQRT", []Expr{i32(4)}, "2.0", "DOUBLE"},
		{"POWER", []Expr{i32(2), i32(10)}, "1024.0", "DOUBLE"},
		{"SIGN", []Expr{f64(-0.5)}, "-1", "INTEGER"},
		{"LOG", []Expr{f64(2), f64(8)}, "3.0", "DOUBLE"},
		{"GREATEST", []Expr{i32(1), null(), i32(5)}, "5", "INTEGER"},
		{"GREATEST", []Expr{dec(t, "1234567.89", 9, 2), dec(t, "0.123456", 7, 6)}, "1234567.89", "DECIMAL(13, 6)"},
		{"LEAST", []Expr{lit(types.Date(19158), types.DateType), null(), str("2022-06-14")}, "2022-06-14", "DATE"},
		{"GREATEST", []Expr{i32(1), i64(2), dec(t, "1.5", 2, 1), f64(0.5)}, "2.0", "DOUBLE"},
		{"GEO_DISTANCE", []Expr{f64(37.4439), f64(-122.1663), i32(51), i32(0)}, "8682.459061368269", "DOUBLE"},
		{"GEO_DISTANCE", []Expr{f64(37.4439), f64(-122.1663), f64(51.5257), f64(-0.1122), lit(nil, types.StringType)}, "8634.659796579544", "DOUBLE"},
		{"LN", []Expr{i32(3)}, "1.0986122886681098", "DOUBLE"},
		{"LOG", []Expr{i32(13)}, "2.5649493574615367", "DOUBLE"},
		{"LOG", []Expr{i32(15), i32(0)}, "-Infinity", "DOUBLE"},
		{"LEAST", []Expr{str("b"), str("a")}, "a", "STRING"},
		{"ARRAY_LENGTH", []Expr{arr(i32(1), i32(2))}, "2", "INTEGER"},
		{"ARRAY_CONTAINS", []Expr{arr(i32(1), i32(2)), i32(2)}, "true", "BOOLEAN"},
		{"ARRAY_DISTINCT", []Expr{arr(i32(1), i32(1), i32(2))}, "[1, 2]", "ARRAY<INTEGER>"},
		{"ARRAY_JOIN", []Expr{arr(i32(1), i32(2)), str("|")}, "1|2", "STRING"},
		{"ARRAY_MAX", []Expr{arr(i32(1), i32(3), i32(2))}, "3", "INTEGER"},
		{"ARRAY_SORT", []Expr{arr(i32(3), i32(1), i32(2)), str("DESC")}, "[3, 2, 1]", "ARRAY<INTEGER>"},
		// The direction is ASC or DESC (ksqlDB also reads the long forms); any
		// other direction gives NULL, as ksqlDB's ARRAY_SORT does.
		{"ARRAY_SORT", []Expr{arr(i32(3), i32(1), i32(2)), str("descending")}, "[3, 2, 1]", "ARRAY<INTEGER>"},
		{"ARRAY_SORT", []Expr{arr(i32(3), i32(1), i32(2)), str("sideways")}, "NULL", "ARRAY<INTEGER>"},
		// "Arrays of other arrays, arrays of maps, arrays of structs ... aren't
		// supported" by ARRAY_MAX, ARRAY_MIN and ARRAY_SORT, and ARRAY_JOIN's
		// "array elements are limited to primitive ksqlDB types only"
		// (scalar-functions.md): the call fails, which is NULL in the row.
		{"ARRAY_MAX", []Expr{arr(arr(i32(1)), arr(i32(2)))}, "ERROR", "ARRAY<INTEGER>"},
		{"ARRAY_MIN", []Expr{arr(must(t)(NewMap([]Expr{str("a")}, []Expr{i32(1)})), must(t)(NewMap([]Expr{str("b")}, []Expr{i32(2)})))}, "ERROR", "MAP<STRING, INTEGER>"},
		{"ARRAY_SORT", []Expr{arr(must(t)(NewStruct([]string{"A"}, []Expr{i32(2)})), must(t)(NewStruct([]string{"A"}, []Expr{i32(1)})))}, "ERROR", "ARRAY<STRUCT<`A` INTEGER>>"},
		{"ARRAY_JOIN", []Expr{arr(arr(i32(1)), arr(i32(2)))}, "ERROR", "STRING"},
		{"ARRAY_JOIN", []Expr{arr(must(t)(NewStruct([]string{"A"}, []Expr{i32(1)}))), str("-")}, "ERROR", "STRING"},
		{"ARRAY_UNION", []Expr{arr(i32(1), i32(2)), arr(i32(2), i32(3))}, "[1, 2, 3]", "ARRAY<INTEGER>"},
		{"ARRAY_INTERSECT", []Expr{arr(i32(1), i32(2)), arr(i32(2), i32(3))}, "[2]", "ARRAY<INTEGER>"},
		{"ARRAY_EXCEPT", []Expr{arr(i32(1), i32(2)), arr(i32(2), i32(3))}, "[1]", "ARRAY<INTEGER>"},
		{"ARRAY_REMOVE", []Expr{arr(i32(1), i32(2), i32(1)), i32(1)}, "[2]", "ARRAY<INTEGER>"},
		{"ARRAY_CONCAT", []Expr{arr(i32(1)), arr(i32(2))}, "[1, 2]", "ARRAY<INTEGER>"},
		{"SLICE", []Expr{arr(i32(1), i32(2), i32(3)), i32(2), i32(5)}, "[2, 3]", "ARRAY<INTEGER>"},
		{"GENERATE_SERIES", []Expr{i32(3), i32(1)}, "[3, 2, 1]", "ARRAY<INTEGER>"},
		// Sizes a single call could exhaust a node with are errors, found before
		// anything is allocated.
		{"GENERATE_SERIES", []Expr{i64(1), i64(math.MaxInt64)}, "ERROR", "ARRAY<BIGINT>"},
		{"GENERATE_SERIES", []Expr{i64(math.MinInt64), i64(math.MaxInt64)}, "ERROR", "ARRAY<BIGINT>"},
		{"GENERATE_SERIES", []Expr{i32(math.MaxInt32 - 1), i32(math.MaxInt32)}, "[2147483646, 2147483647]", "ARRAY<INTEGER>"},
		{"LPAD", []Expr{str("x"), i32(2000000000), str("y")}, "ERROR", "STRING"},
		{"RPAD", []Expr{lit([]byte("x"), types.BytesType), i32(2000000000), lit([]byte("y"), types.BytesType)}, "ERROR", "BYTES"},
		{"ELT", []Expr{i32(2), str("a"), str("b")}, "b", "STRING"},
		{"FIELD", []Expr{str("b"), str("a"), str("b")}, "2", "INTEGER"},
		{"AS_MAP", []Expr{arr(str("a")), arr(i32(1))}, "{a=1}", "MAP<STRING, INTEGER>"},
		{"FORMAT_TIMESTAMP", []Expr{ts(1651182287943), str("yyyy-MM-dd HH:mm:ss.SSS")}, "2022-04-28 21:44:47.943", "STRING"},
		{"FORMAT_TIMESTAMP", []Expr{ts(0), str("yyyy-MM-dd'T'HH:mm X"), str("America/New_York")}, "1969-12-31T19:00 -05", "STRING"},
		{"PARSE_TIMESTAMP", []Expr{str("2022-04-28 21:44:47.943"), str("yyyy-MM-dd HH:mm:ss.SSS")}, "2022-04-28T21:44:47.943", "TIMESTAMP"},
		{"PARSE_TIMESTAMP", []Expr{str("nope"), str("yyyy")}, "ERROR", "TIMESTAMP"},
		{"STRINGTOTIMESTAMP", []Expr{str("2019-03-01 01:00"), str("yyyy-MM-dd HH:mm"), str("UTC+01:00")}, "1551398400000", "BIGINT"},
		{"STRINGTOTIMESTAMP", []Expr{str("2020-05-11T21:58:33z"), str("yyyy-MM-dd'T'HH:mm:ssX")}, "1589234313000", "BIGINT"},
		{"PARSE_TIMESTAMP", []Expr{str("2018-05-11T21:58:33 PST"), str("yyyy-MM-dd'T'HH:mm:ss zzz")}, "2018-05-12T04:58:33.000", "TIMESTAMP"},
		{"TIMESTAMPTOSTRING", []Expr{i64(1551398400000), str("dd/MM/yyyy")}, "01/03/2019", "STRING"},
		{"PARSE_DATE", []Expr{str("2022-02-02"), str("yyyy-MM-dd")}, "2022-02-02", "DATE"},
		{"PARSE_DATE", []Expr{str("2003-12-24-01-01"), str("yyyy-MM-dd")}, "2003-12-24", "DATE"},
		{"PARSE_DATE", []Expr{str("2004"), str("yyyy-MM-dd")}, "ERROR", "DATE"},
		{"FORMAT_DATE", []Expr{lit(types.Date(1), types.DateType), str("yyyyMMdd")}, "19700102", "STRING"},
		{"PARSE_TIME", []Expr{str("10:11"), str("HH:mm")}, "10:11:00", "TIME"},
		{"DATEADD", []Expr{str("DAYS"), i32(2), lit(types.Date(1), types.DateType)}, "1970-01-04", "DATE"},
		{"TIMESUB", []Expr{str("HOURS"), i32(1), lit(types.Time(0), types.TimeType)}, "23:00:00", "TIME"},
		{"TIMESTAMPADD", []Expr{str("SECONDS"), i32(5), ts(0)}, "1970-01-01T00:00:05.000", "TIMESTAMP"},
		{"FROM_UNIXTIME", []Expr{i64(1000)}, "1970-01-01T00:00:01.000", "TIMESTAMP"},
		{"UNIX_TIMESTAMP", []Expr{ts(42)}, "42", "BIGINT"},
		{"EXTRACTJSONFIELD", []Expr{str(`{"a":{"b":[1,{"c":"x"}]}}`), str("$.a.b[1].c")}, "x", "STRING"},
		{"EXTRACTJSONFIELD", []Expr{str(`{"a":{"b":2}}`), str("$.a")}, `{"b":2}`, "STRING"},
		{"JSON_ARRAY_LENGTH", []Expr{str("[1,2]")}, "2", "INTEGER"},
		{"JSON_KEYS", []Expr{str(`{"b":1,"a":2}`)}, "[b, a]", "ARRAY<STRING>"},
		{"IS_JSON_STRING", []Expr{str("{")}, "false", "BOOLEAN"},
		{"JSON_CONCAT", []Expr{str(`{"a":1}`), str(`{"b":2}`)}, `{"a":1,"b":2}`, "STRING"},
		{"JSON_ITEMS", []Expr{str(`[{"type": "A", "at": 1}, 2]`)}, `[{"type":"A","at":1}, 2]`, "ARRAY<STRING>"},
		{"JSON_RECORDS", []Expr{str(`{"W": "Seven", "P": 8, "O": {"b": 1, "a": [2]}}`)}, `{W=Seven, P=8, O={"b":1,"a":[2]}}`, "MAP<STRING, STRING>"},
		{"TO_JSON_STRING", []Expr{lit(types.Date(1000), types.DateType)}, `"1972-09-27"`, "STRING"},
		{"TO_JSON_STRING", []Expr{lit(types.Time(60220000), types.TimeType)}, `"16:43:40"`, "STRING"},
		{"TO_JSON_STRING", []Expr{ts(60220000000)}, `"1971-11-28T23:46:40.000"`, "STRING"},
		{"JSON_CONCAT", []Expr{str(`[1]`), str(`2`)}, `[1,2]`, "STRING"},
		{"TO_JSON_STRING", []Expr{must(t)(NewStruct([]string{"A"}, []Expr{f64(1)}))}, `{"A":1.0}`, "STRING"},
		{"TO_BYTES", []Expr{str("4142"), str("hex")}, "QUI=", "BYTES"},
		{"ENCODE", []Expr{str("QUI="), str("base64"), str("utf8")}, "AB", "STRING"},
		{"INT_FROM_BYTES", []Expr{lit([]byte{0, 0, 1, 0}, types.BytesType)}, "256", "INTEGER"},
		// "A NULL value is returned if an invalid byte order value is provided"
		// (scalar-functions.md): an evaluation error, which is NULL in the row.
		{"INT_FROM_BYTES", []Expr{lit([]byte{0, 0, 7, 0xe5}, types.BytesType), str("MIDDLE_ENDIAN")}, "ERROR", "INTEGER"},
		{"BIGINT_FROM_BYTES", []Expr{lit([]byte{0, 0, 0, 1, 0x2a, 5, 0xf2, 0}, types.BytesType), str("")}, "ERROR", "BIGINT"},
		{"DOUBLE_FROM_BYTES", []Expr{lit([]byte{0x40, 0x80, 0xa6, 0xfd, 0x9b, 0xc9, 0xf5, 0x82}, types.BytesType), str("BIG")}, "ERROR", "DOUBLE"},
		{"URL_EXTRACT_HOST", []Expr{str("http://x.com:8080/p?q=1#f")}, "x.com", "STRING"},
		{"URL_EXTRACT_PORT", []Expr{str("http://x.com:8080/p?q=1#f")}, "8080", "INTEGER"},
		{"URL_EXTRACT_PARAMETER", []Expr{str("http://x.com/p?q=1&r=2"), str("r")}, "2", "STRING"},
		{"URL_ENCODE_PARAM", []Expr{str("a b&c")}, "a+b%26c", "STRING"},
		// URL_EXTRACT_QUERY "extracts the decoded query-string portion of url"
		// (scalar-functions.md, whose example this is).
		{"URL_EXTRACT_QUERY", []Expr{str("http://test.com?a=foo%20bar&b=baz")}, "a=foo bar&b=baz", "STRING"},
		{"URL_EXTRACT_QUERY", []Expr{str("http://test.com?q=%E5%A5%BD+x")}, "q=好+x", "STRING"},
		{"URL_EXTRACT_QUERY", []Expr{str("http://test.com?q=%zz")}, "ERROR", "STRING"},
		{"CONVERT_TZ", []Expr{ts(0), str("UTC"), str("+02:00")}, "1970-01-01T02:00:00.000", "TIMESTAMP"},
	} {
		e, err := reg.Call(tc.fn, tc.args)
		if err != nil {
			t.Errorf("%s%v: %v", tc.fn, tc.args, err)
			continue
		}
		check(t, e.String(), e, nil, tc.want, tc.wantType)
	}
}

func TestCallErrors(t *testing.T) {
	reg := NewRegistry(Config{})
	_, err := reg.Call("NOPE", nil)
	wantCode(t, "unknown", err, sqlerr.UndefinedFunction)
	_, err = reg.Call("UCASE", []Expr{i32(1)})
	wantCode(t, "no overload", err, sqlerr.UndefinedFunction)
	// ksqlDB cannot pick among GREATEST's BIGINT, DECIMAL and DOUBLE overloads.
	for _, args := range [][]Expr{{i32(1), i64(2)}, {null(), null()}, {i32(1), dec(t, "1", 50, 30)}} {
		_, err = reg.Call("GREATEST", args)
		wantCode(t, "ambiguous GREATEST", err, sqlerr.DatatypeMismatch)
	}
	_, err = reg.Call("LEAST", []Expr{str("a"), i32(1)})
	wantCode(t, "LEAST(STRING, INT)", err, sqlerr.UndefinedFunction)
	legacy := NewRegistry(Config{SubstringLegacyArgs: true})
	e := must(t)(legacy.Call("SUBSTRING", []Expr{str("hello"), i32(1), i32(3)}))
	check(t, "legacy substring", e, nil, "el", "STRING")
	if len(reg.Functions()) < 100 {
		t.Errorf("only %d functions", len(reg.Functions()))
	}
}

func TestLambdas(t *testing.T) {
	reg := NewRegistry(Config{})
	// Row: column 0 is an ARRAY<INT>; the lambda parameter is column 1.
	arrCol := NewColumn(0, "XS", types.NewArray(types.IntType))
	row := []any{[]any{int32(1), int32(2), int32(3)}}
	bindLambda := func(fn string, argIndex int, args []Expr, params []string, body func(ps []Expr) Expr) Expr {
		pts, err := reg.LambdaParamTypes(fn, argIndex, args)
		if err != nil {
			t.Fatal(err)
		}
		ps := make([]Expr, len(pts))
		for i, pt := range pts {
			ps[i] = NewColumn(1+i, params[i], pt)
		}
		return NewLambda(params, 1, body(ps))
	}
	tr := bindLambda("TRANSFORM", 1, []Expr{arrCol}, []string{"X"}, func(ps []Expr) Expr {
		return must(t)(NewBinary("*", ps[0], i32(10)))
	})
	check(t, "transform", must(t)(reg.Call("TRANSFORM", []Expr{arrCol, tr})), row, "[10, 20, 30]", "ARRAY<INTEGER>")
	// Arithmetic on a NULL element throws in ksqlDB's lambdas: the call fails.
	check(t, "transform over a null element", must(t)(reg.Call("TRANSFORM", []Expr{arrCol, tr})), []any{[]any{int32(5), nil}}, "ERROR", "ARRAY<INTEGER>")
	fl := bindLambda("FILTER", 1, []Expr{arrCol}, []string{"X"}, func(ps []Expr) Expr {
		return must(t)(NewBinary(">", ps[0], i32(1)))
	})
	check(t, "filter", must(t)(reg.Call("FILTER", []Expr{arrCol, fl})), row, "[2, 3]", "ARRAY<INTEGER>")
	init := i64(0)
	rd := bindLambda("REDUCE", 2, []Expr{arrCol, init}, []string{"S", "X"}, func(ps []Expr) Expr {
		return must(t)(NewBinary("+", ps[0], ps[1]))
	})
	check(t, "reduce", must(t)(reg.Call("REDUCE", []Expr{arrCol, init, rd})), row, "6", "BIGINT")

	// REDUCE over a map visits entries in java.util.HashMap order (reduce-map.json).
	m := &types.Map{Keys: []any{"yes, thanks", "nope", "sure, yeah"}, Values: []any{3.5, 7.3, 2.1}}
	var order []any
	for _, i := range javaHashMapOrder(m) {
		order = append(order, m.Keys[i])
	}
	if got := render(order); got != "[yes, thanks, sure, yeah, nope]" {
		t.Errorf("HashMap order: %s", got)
	}

	// TRANSFORM over a map: a key function that maps two entries to one key fails
	// the call (ksqlDB's transform-map.json: duplicate keys give NULL).
	mapCol := NewColumn(0, "M", types.NewMap(types.StringType, types.IntType))
	keyOf := func(ps []Expr) Expr { return must(t)(reg.Call("LEN", []Expr{ps[0]})) }
	valOf := func(ps []Expr) Expr { return ps[1] }
	mkTransform := func() Expr {
		kf := bindLambda("TRANSFORM", 1, []Expr{mapCol}, []string{"K", "V"}, keyOf)
		vf := bindLambda("TRANSFORM", 2, []Expr{mapCol}, []string{"K", "V"}, valOf)
		return must(t)(reg.Call("TRANSFORM", []Expr{mapCol, kf, vf}))
	}
	distinct := []any{&types.Map{Keys: []any{"a", "bb"}, Values: []any{int32(1), int32(2)}}}
	check(t, "transform map", mkTransform(), distinct, "{1=1, 2=2}", "MAP<INTEGER, INTEGER>")
	clash := []any{&types.Map{Keys: []any{"a", "b"}, Values: []any{int32(1), int32(2)}}}
	check(t, "transform map with duplicate keys", mkTransform(), clash, "ERROR", "MAP<INTEGER, INTEGER>")
}

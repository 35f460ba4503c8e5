package pgeval

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
	"regexp"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
)

// compareValues orders two non-nil values: -1, 0 or 1. Integers and floats compare
// numerically, strings bytewise (the C collation), false before true, arrays and
// records element by element.
func compareValues(a, b any) (int, error) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < y, x > y), nil
		case float64:
			return cmpFloat(float64(x), y), nil
		case *apd.Decimal:
			return cmpDec(apd.New(x, 0), y), nil
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpFloat(x, float64(y)), nil
		case float64:
			return cmpFloat(x, y), nil
		case *apd.Decimal:
			f, _ := y.Float64()
			return cmpFloat(x, f), nil
		}
	case *apd.Decimal:
		switch y := b.(type) {
		case int64:
			return cmpDec(x, apd.New(y, 0)), nil
		case float64:
			f, _ := x.Float64()
			return cmpFloat(f, y), nil
		case *apd.Decimal:
			return cmpDec(x, y), nil
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), nil
		}
	case TimeOfDay:
		if y, ok := b.(TimeOfDay); ok {
			return cmp3(x < y, x > y), nil
		}
	case Interval:
		if y, ok := b.(Interval); ok {
			return cmpFloat(x.total(), y.total()), nil
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y), nil
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp3(!x && y, x && !y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return compareSeq(x, y)
		}
	case Record:
		if y, ok := b.(Record); ok {
			return compareSeq(x, y)
		}
	}
	return 0, sqlerr.Newf(sqlerr.UndefinedFunction, "cannot compare %T with %T", a, b)
}

func compareSeq(x, y []any) (int, error) {
	for i := 0; i < len(x) && i < len(y); i++ {
		c, err := compareNullable(x[i], y[i], false)
		if err != nil || c != 0 {
			return c, err
		}
	}
	return cmp3(len(x) < len(y), len(x) > len(y)), nil
}

// compareNullable orders values with NULL first (nullsFirst) or last.
func compareNullable(a, b any, nullsFirst bool) (int, error) {
	switch {
	case a == nil && b == nil:
		return 0, nil
	case a == nil:
		if nullsFirst {
			return -1, nil
		}
		return 1, nil
	case b == nil:
		if nullsFirst {
			return 1, nil
		}
		return -1, nil
	}
	return compareValues(a, b)
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// cmpDec orders decimals numerically, NaN above everything, as Postgres does.
func cmpDec(x, y *apd.Decimal) int {
	xn, yn := x.Form == apd.NaN, y.Form == apd.NaN
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return x.Cmp(y)
}

func cmpFloat(x, y float64) int {
	// Postgres orders NaN above every other value.
	switch {
	case math.IsNaN(x) && math.IsNaN(y):
		return 0
	case math.IsNaN(x):
		return 1
	case math.IsNaN(y):
		return -1
	}
	return cmp3(x < y, x > y)
}

// valueKey is a grouping and DISTINCT key: equal values give equal keys.
func valueKey(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		appendKey(&b, v)
		b.WriteByte(0)
	}
	return b.String()
}

func appendKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("N")
	case []any:
		b.WriteString("A[")
		for _, e := range x {
			appendKey(b, e)
			b.WriteByte(1)
		}
		b.WriteString("]")
	case Record:
		b.WriteString("R(")
		for _, e := range x {
			appendKey(b, e)
			b.WriteByte(1)
		}
		b.WriteString(")")
	case *apd.Decimal:
		if n, err := x.Int64(); err == nil && x.Form == apd.Finite {
			if c := apd.New(n, 0); c.Cmp(x) == 0 {
				appendKey(b, n)
				return
			}
		}
		r := new(apd.Decimal)
		r.Reduce(x)
		b.WriteString("d")
		b.WriteString(r.Text('f'))
	case time.Time:
		b.WriteString("t")
		b.WriteString(strconv.FormatInt(x.UnixMicro(), 10))
	case TimeOfDay:
		b.WriteString("h")
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case Interval:
		b.WriteString("i")
		b.WriteString(formatFloat8(x.total()))
	case []byte:
		b.WriteString("b")
		b.Write(x)
	case int64:
		b.WriteString("n")
		b.WriteString(formatText(nil, float64(x), Float8))
	case float64:
		b.WriteString("n")
		b.WriteString(formatText(nil, x, Float8))
	case bool:
		if x {
			b.WriteString("T")
		} else {
			b.WriteString("F")
		}
	case string:
		b.WriteString("s")
		b.WriteString(x)
	}
}

// likeRegexp translates a LIKE pattern (with \ as escape) into an anchored regexp.
func likeRegexp(pattern string, caseInsensitive bool) (*regexp.Regexp, error) {
	var b strings.Builder
	if caseInsensitive {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteString("^")
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			b.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// regexCache compiles each distinct pattern once per statement.
type regexCache map[string]*regexp.Regexp

func (c regexCache) get(key string, build func() (*regexp.Regexp, error)) (*regexp.Regexp, error) {
	if re, ok := c[key]; ok {
		return re, nil
	}
	re, err := build()
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid regular expression: %v", err)
	}
	c[key] = re
	return re, nil
}

// truthy reports whether a WHERE/ON/HAVING value admits the row: only true does.
func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

package pgeval

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Functions are the evaluator's built-in functions: the generic SQL functions
// catalog queries use. Functions that depend on a catalog or a session
// (version(), pg_get_userbyid, ...) come from the Catalog. A Functions value is
// never modified after NewFunctions returns it, so one may serve every
// statement of every session.
type Functions struct {
	byName map[string]*Func
}

// NewFunctions returns the built-in functions.
func NewFunctions() *Functions {
	m := builtinFuncs()
	for k, f := range sqlFuncs() {
		m[k] = f
	}
	m["format"] = &Func{Ret: Text, MinArgs: 1, MaxArgs: -1, NonStrict: true, Eval: formatFunc}
	// position(a IN b) parses as position(b, a).
	m["position"] = m["strpos"]
	return &Functions{byName: m}
}

// lookup returns the function name (lower case), or nil.
func (f *Functions) lookup(name string) *Func {
	if f == nil {
		return nil
	}
	return f.byName[name]
}

// Names returns the names the built-in functions are called by in SQL, sorted.
func (f *Functions) Names() []string {
	var names []string
	for name := range f.byName {
		// Entries for one form of an overloaded function have a space in
		// their names, which SQL cannot call.
		if !strings.Contains(name, " ") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Lookup returns the built-in function name, or nil.
func (f *Functions) Lookup(name string) *Func { return f.lookup(name) }

func builtinFuncs() map[string]*Func {
	return map[string]*Func{
		"array_to_string": {Ret: Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{TextArr, Text, Text}, Eval: func(ctx *Ctx, a []any) (any, error) {
			var parts []string
			for _, e := range a[0].([]any) {
				if e == nil {
					if len(a) == 3 {
						parts = append(parts, a[2].(string))
					}
					continue
				}
				parts = append(parts, formatArrayElem(ctx.Names, e, 0))
			}
			return strings.Join(parts, a[1].(string)), nil
		}},
		"array_upper":  {Ret: Int4, MinArgs: 2, MaxArgs: 2, Args: []uint32{TextArr, Int4}, Eval: arrayBound(true)},
		"array_lower":  {Ret: Int4, MinArgs: 2, MaxArgs: 2, Args: []uint32{TextArr, Int4}, Eval: arrayBound(false)},
		"array_length": {Ret: Int4, MinArgs: 2, MaxArgs: 2, Args: []uint32{TextArr, Int4}, Eval: arrayLength},
		"cardinality": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Args: []uint32{TextArr}, Eval: func(_ *Ctx, a []any) (any, error) {
			return int64(len(a[0].([]any))), nil
		}},
		"string_to_array": {Ret: TextArr, MinArgs: 2, MaxArgs: 3, Eval: func(_ *Ctx, a []any) (any, error) {
			s, sep := a[0].(string), a[1].(string)
			if s == "" {
				return []any{}, nil
			}
			var parts []string
			if sep == "" {
				parts = []string{s}
			} else {
				parts = strings.Split(s, sep)
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
				if len(a) == 3 && a[2] != nil && p == a[2] {
					out[i] = nil
				}
			}
			return out, nil
		}},
		"unnest": {MinArgs: 1, MaxArgs: 1, Args: []uint32{TextArr}, Return: func(t []Type) Type {
			return Type{OID: ElemOf(t[0].OID)}
		}, Set: func(_ *Ctx, a []any) ([]any, error) { return a[0].([]any), nil }},
		"generate_series": {MinArgs: 2, MaxArgs: 3, Args: []uint32{Int4, Int4, Int4}, Return: func(t []Type) Type {
			return Type{OID: arithType("+", t[0].OID, t[1].OID)}
		}, Set: generateSeries},
		"generate_subscripts": {Ret: Int4, MinArgs: 2, MaxArgs: 3, Args: []uint32{TextArr, Int4, Bool}, Set: func(_ *Ctx, a []any) ([]any, error) {
			arr := a[0].([]any)
			out := make([]any, len(arr))
			for i := range arr {
				out[i] = int64(i + 1)
				if len(a) == 3 && truthy(a[2]) {
					out[i] = int64(len(arr) - i)
				}
			}
			return out, nil
		}},
		"_pg_expandarray": {MinArgs: 1, MaxArgs: 1, Args: []uint32{TextArr}, Return: func(t []Type) Type {
			return Type{OID: Record_, Fields: []Field{{"x", Type{OID: ElemOf(t[0].OID)}}, {"n", Type{OID: Int4}}}}
		}, Set: func(_ *Ctx, a []any) ([]any, error) {
			arr := a[0].([]any)
			out := make([]any, len(arr))
			for i, v := range arr {
				out[i] = Record{v, int64(i + 1)}
			}
			return out, nil
		}},
		"quote_ident": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			return QuoteIdent(a[0].(string)), nil
		}},
		"parse_ident": {Ret: TextArr, MinArgs: 1, MaxArgs: 2, Args: []uint32{Text, Bool}, Eval: parseIdent},
		"json_build_object": {Ret: JSON, MinArgs: 0, MaxArgs: -1, NonStrict: true, Eval: func(ctx *Ctx, a []any) (any, error) {
			if len(a)%2 != 0 {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "argument list must have even number of elements")
			}
			var b strings.Builder
			b.WriteByte('{')
			for i := 0; i < len(a); i += 2 {
				if i > 0 {
					b.WriteString(", ")
				}
				k, _ := json.Marshal(formatText(ctx.Names, a[i], 0))
				b.Write(k)
				b.WriteString(" : ")
				b.WriteString(jsonValue(a[i+1]))
			}
			b.WriteByte('}')
			return b.String(), nil
		}},
		"lower": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) { return strings.ToLower(a[0].(string)), nil }},
		"upper": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) { return strings.ToUpper(a[0].(string)), nil }},
		"length": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			return int64(len([]rune(a[0].(string)))), nil
		}},
		"char_length": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			return int64(len([]rune(a[0].(string)))), nil
		}},
		"replace": {Ret: Text, MinArgs: 3, MaxArgs: 3, Eval: func(_ *Ctx, a []any) (any, error) {
			return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
		}},
		"btrim": {Ret: Text, MinArgs: 1, MaxArgs: 2, Eval: trimFunc(strings.Trim)},
		"ltrim": {Ret: Text, MinArgs: 1, MaxArgs: 2, Eval: trimFunc(strings.TrimLeft)},
		"rtrim": {Ret: Text, MinArgs: 1, MaxArgs: 2, Eval: trimFunc(strings.TrimRight)},
		"concat": {Ret: Text, MinArgs: 0, MaxArgs: -1, NonStrict: true, Eval: func(ctx *Ctx, a []any) (any, error) {
			var b strings.Builder
			for _, v := range a {
				if v != nil {
					b.WriteString(formatText(ctx.Names, v, 0))
				}
			}
			return b.String(), nil
		}},
		"substring": {Ret: Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{Text, Int4, Int4}, Eval: substring},
		"substr":    {Ret: Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{Text, Int4, Int4}, Eval: substring},
		"left": {Ret: Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			r := []rune(a[0].(string))
			n, _ := intArg(a[1])
			if n < 0 {
				n = max(int64(len(r))+n, 0)
			}
			return string(r[:min(n, int64(len(r)))]), nil
		}},
		"split_part": {Ret: Text, MinArgs: 3, MaxArgs: 3, Args: []uint32{Text, Text, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			parts := strings.Split(a[0].(string), a[1].(string))
			n, _ := intArg(a[2])
			if n < 1 || n > int64(len(parts)) {
				return "", nil
			}
			return parts[n-1], nil
		}},
		"strpos": {Ret: Int4, MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []any) (any, error) {
			i := strings.Index(a[0].(string), a[1].(string))
			if i < 0 {
				return int64(0), nil
			}
			return int64(len([]rune(a[0].(string)[:i])) + 1), nil
		}},
		"regexp_replace": {Ret: Text, MinArgs: 3, MaxArgs: 4, Eval: func(_ *Ctx, a []any) (any, error) {
			pattern := a[1].(string)
			global := false
			if len(a) == 4 {
				flags := a[3].(string)
				global = strings.Contains(flags, "g")
				if strings.Contains(flags, "i") {
					pattern = "(?i)" + pattern
				}
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid regular expression: %v", err)
			}
			repl := regexp.MustCompile(`\\(\d)`).ReplaceAllString(a[2].(string), "$${$1}")
			s := a[0].(string)
			if global {
				return re.ReplaceAllString(s, repl), nil
			}
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				return s, nil
			}
			var dst []byte
			dst = re.ExpandString(dst, repl, s, loc)
			return s[:loc[0]] + string(dst) + s[loc[1]:], nil
		}},
		"format_type": {Ret: Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{OID, Int4}, NonStrict: true, Eval: func(_ *Ctx, a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			mod := int64(-1)
			if a[1] != nil {
				mod = a[1].(int64)
			}
			return FormatType(uint32(a[0].(int64)), int32(mod)), nil
		}},
	}
}

func arrayBound(upper bool) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		arr := a[0].([]any)
		dim, _ := intArg(a[1])
		if dim != 1 || len(arr) == 0 {
			return nil, nil
		}
		if upper {
			return int64(len(arr)), nil
		}
		return int64(1), nil
	}
}

func arrayLength(_ *Ctx, a []any) (any, error) {
	arr := a[0].([]any)
	dim, _ := intArg(a[1])
	if dim != 1 || len(arr) == 0 {
		return nil, nil
	}
	return int64(len(arr)), nil
}

func generateSeries(_ *Ctx, a []any) ([]any, error) {
	step := any(int64(1))
	if len(a) == 3 {
		step = a[2]
	}
	if f, ok := step.(float64); ok && f == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
	}
	if i, ok := step.(int64); ok && i == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
	}
	var out []any
	up, _ := compareValues(step, int64(0))
	for v := a[0]; ; {
		c, err := compareValues(v, a[1])
		if err != nil {
			return nil, err
		}
		if (up > 0 && c > 0) || (up < 0 && c < 0) {
			break
		}
		out = append(out, v)
		if len(out) > types.MaxCollectionElements {
			return nil, sqlerr.Newf(sqlerr.ProgramLimitExceeded, "generate_series is limited to %d rows here", types.MaxCollectionElements)
		}
		if v, err = arith("+", v, step); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func trimFunc(trim func(string, string) string) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		chars := " "
		if len(a) == 2 {
			chars = a[1].(string)
		}
		return trim(a[0].(string), chars), nil
	}
}

func substring(_ *Ctx, a []any) (any, error) {
	r := []rune(a[0].(string))
	start, err := intArg(a[1])
	if err != nil {
		return nil, err
	}
	end := int64(len(r)) + 1
	if len(a) == 3 {
		n, err := intArg(a[2])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "negative substring length not allowed")
		}
		end = start + n
	}
	start = max(start, 1)
	end = min(end, int64(len(r))+1)
	if start >= end {
		return "", nil
	}
	return string(r[start-1 : end-1]), nil
}

func parseIdent(_ *Ctx, a []any) (any, error) {
	s := a[0].(string)
	var out []any
	for len(s) > 0 {
		if s[0] == '"' {
			end := 1
			var b strings.Builder
			for end < len(s) {
				if s[end] == '"' {
					if end+1 < len(s) && s[end+1] == '"' {
						b.WriteByte('"')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(s[end])
				end++
			}
			out = append(out, b.String())
			s = s[min(end+1, len(s)):]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			out = append(out, strings.ToLower(strings.TrimSpace(s[:i])))
			s = s[i:]
		}
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, ".") {
			s = strings.TrimSpace(s[1:])
		} else if s != "" {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "string is not a valid identifier: %q", a[0])
		}
	}
	return out, nil
}

// QuoteIdent quotes name when Postgres would: unless it is a lower-case identifier
// made of letters, digits and underscores that does not start with a digit.
func QuoteIdent(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (i > 0 && unicode.IsDigit(r))) {
			plain = false
			break
		}
	}
	if plain && !reservedWords[name] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

var reservedWords = map[string]bool{
	"all": true, "and": true, "any": true, "array": true, "as": true, "asc": true, "case": true,
	"check": true, "column": true, "constraint": true, "create": true, "default": true, "desc": true,
	"distinct": true, "do": true, "else": true, "end": true, "false": true, "for": true, "from": true,
	"group": true, "having": true, "in": true, "into": true, "limit": true, "not": true, "null": true,
	"offset": true, "on": true, "or": true, "order": true, "primary": true, "select": true,
	"table": true, "then": true, "to": true, "true": true, "union": true, "unique": true, "user": true,
	"using": true, "when": true, "where": true, "with": true,
}

func jsonValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64, float64:
		return formatText(nil, x, Float8)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsonValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, _ := json.Marshal(formatText(nil, v, 0))
	return string(b)
}

// FormatType renders a type as format_type(oid, typmod) does.
func FormatType(oid uint32, typmod int32) string {
	t, ok := typeTable().byOID[oid]
	if !ok {
		return "???"
	}
	if t.Category == 'A' && t.Elem != 0 && oid != Int2Vector && oid != OIDVector {
		return FormatType(t.Elem, typmod) + "[]"
	}
	mod := func(s string) string { return s }
	if typmod >= 0 {
		switch oid {
		case Numeric:
			m := typmod - 4
			return "numeric(" + itoa(int(m>>16)) + "," + itoa(int(m&0xffff)) + ")"
		case Varchar, BPChar:
			mod = func(s string) string { return s + "(" + itoa(int(typmod-4)) + ")" }
		}
	}
	switch oid {
	case Bool:
		return "boolean"
	case Int2:
		return "smallint"
	case Int4:
		return "integer"
	case Int8:
		return "bigint"
	case Float4:
		return "real"
	case Float8:
		return "double precision"
	case Varchar:
		return mod("character varying")
	case BPChar:
		return mod("character")
	case Char:
		return `"char"`
	case 2276:
		// The pseudo-type "any" is named by a reserved word.
		return `"any"`
	case Timestamp:
		return "timestamp without time zone"
	case TimestampTZ:
		return "timestamp with time zone"
	case Time:
		return "time without time zone"
	}
	return t.Name
}

// formatFunc implements format(fmt, args...) for %s, %I, %L and %%.
func formatFunc(ctx *Ctx, a []any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	f := formatText(ctx.Names, a[0], Text)
	var b strings.Builder
	next := 1
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		verb := f[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if next >= len(a) {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "too few arguments for format()")
		}
		v := a[next]
		next++
		switch verb {
		case 's':
			if v != nil {
				b.WriteString(formatText(ctx.Names, v, 0))
			}
		case 'I':
			if v == nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "null values cannot be formatted as an SQL identifier")
			}
			b.WriteString(QuoteIdent(formatText(ctx.Names, v, 0)))
		case 'L':
			if v == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString("'" + strings.ReplaceAll(formatText(ctx.Names, v, 0), "'", "''") + "'")
			}
		default:
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "unrecognized format() type specifier %q", verb)
		}
	}
	return b.String(), nil
}

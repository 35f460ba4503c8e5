package pgeval

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/sqlerr"
)

// Type is the Postgres type of a value or column: its pg_type OID and, for anonymous
// records (such as the result of information_schema._pg_expandarray), its fields.
type Type struct {
	OID    uint32
	Fields []Field
}

// Field is one field of a record type.
type Field struct {
	Name string
	Type Type
}

// Record is a composite value; its field names come from the static Type.
type Record []any

// Postgres type OIDs, as in Postgres' pg_type.dat.
const (
	Bool         uint32 = 16
	Bytea        uint32 = 17
	Char         uint32 = 18
	Name         uint32 = 19
	Int8         uint32 = 20
	Int2         uint32 = 21
	Int2Vector   uint32 = 22
	Int4         uint32 = 23
	RegProc      uint32 = 24
	Text         uint32 = 25
	OID          uint32 = 26
	OIDVector    uint32 = 30
	JSON         uint32 = 114
	PgNodeTree   uint32 = 194
	Float4       uint32 = 700
	Float8       uint32 = 701
	Unknown      uint32 = 705
	BoolArr      uint32 = 1000
	CharArr      uint32 = 1002
	NameArr      uint32 = 1003
	Int2Arr      uint32 = 1005
	Int4Arr      uint32 = 1007
	TextArr      uint32 = 1009
	Int8Arr      uint32 = 1016
	Float8Arr    uint32 = 1022
	OIDArr       uint32 = 1028
	ACLItem      uint32 = 1033
	ACLItemArr   uint32 = 1034
	BPChar       uint32 = 1042
	Varchar      uint32 = 1043
	Date         uint32 = 1082
	Time         uint32 = 1083
	Timestamp    uint32 = 1114
	TimestampTZ  uint32 = 1184
	Interval_    uint32 = 1186
	Numeric      uint32 = 1700
	RegClass     uint32 = 2205
	RegType      uint32 = 2206
	Record_      uint32 = 2249
	UUID         uint32 = 2950
	JSONB        uint32 = 3802
	RegNamespace uint32 = 4089
	RegRole      uint32 = 4096
	AnyArray     uint32 = 2277
	Void         uint32 = 2278
)

// BuiltinType describes a built-in Postgres type: the pg_type row the catalog shows.
type BuiltinType struct {
	OID      uint32
	Name     string // typname
	Len      int16  // typlen
	ByVal    bool
	Category byte   // typcategory
	Elem     uint32 // element type of an array type
	Array    uint32 // array type of this type
	Kind     byte   // typtype: 'b' base, 'p' pseudo
}

// builtinTypes returns the definitions of the built-in types.
func builtinTypes() []BuiltinType {
	return []BuiltinType{
		{Bool, "bool", 1, true, 'B', 0, BoolArr, 'b'},
		{Bytea, "bytea", -1, false, 'U', 0, 1001, 'b'},
		{Char, "char", 1, true, 'Z', 0, CharArr, 'b'},
		{Name, "name", 64, false, 'S', 0, NameArr, 'b'},
		{Int8, "int8", 8, true, 'N', 0, Int8Arr, 'b'},
		{Int2, "int2", 2, true, 'N', 0, Int2Arr, 'b'},
		{Int2Vector, "int2vector", -1, false, 'A', Int2, 1006, 'b'},
		{Int4, "int4", 4, true, 'N', 0, Int4Arr, 'b'},
		{RegProc, "regproc", 4, true, 'N', 0, 1008, 'b'},
		{Text, "text", -1, false, 'S', 0, TextArr, 'b'},
		{OID, "oid", 4, true, 'N', 0, OIDArr, 'b'},
		{OIDVector, "oidvector", -1, false, 'A', OID, 1013, 'b'},
		{JSON, "json", -1, false, 'U', 0, 199, 'b'},
		{PgNodeTree, "pg_node_tree", -1, false, 'Z', 0, 0, 'b'},
		{Float4, "float4", 4, true, 'N', 0, 1021, 'b'},
		{Float8, "float8", 8, true, 'N', 0, Float8Arr, 'b'},
		{Unknown, "unknown", -2, false, 'X', 0, 0, 'p'},
		{BoolArr, "_bool", -1, false, 'A', Bool, 0, 'b'},
		{1001, "_bytea", -1, false, 'A', Bytea, 0, 'b'},
		{CharArr, "_char", -1, false, 'A', Char, 0, 'b'},
		{NameArr, "_name", -1, false, 'A', Name, 0, 'b'},
		{Int2Arr, "_int2", -1, false, 'A', Int2, 0, 'b'},
		{1006, "_int2vector", -1, false, 'A', Int2Vector, 0, 'b'},
		{Int4Arr, "_int4", -1, false, 'A', Int4, 0, 'b'},
		{1008, "_regproc", -1, false, 'A', RegProc, 0, 'b'},
		{TextArr, "_text", -1, false, 'A', Text, 0, 'b'},
		{1013, "_oidvector", -1, false, 'A', OIDVector, 0, 'b'},
		{Int8Arr, "_int8", -1, false, 'A', Int8, 0, 'b'},
		{1021, "_float4", -1, false, 'A', Float4, 0, 'b'},
		{Float8Arr, "_float8", -1, false, 'A', Float8, 0, 'b'},
		{OIDArr, "_oid", -1, false, 'A', OID, 0, 'b'},
		{199, "_json", -1, false, 'A', JSON, 0, 'b'},
		{ACLItem, "aclitem", 12, false, 'U', 0, ACLItemArr, 'b'},
		{ACLItemArr, "_aclitem", -1, false, 'A', ACLItem, 0, 'b'},
		{BPChar, "bpchar", -1, false, 'S', 0, 1014, 'b'},
		{1014, "_bpchar", -1, false, 'A', BPChar, 0, 'b'},
		{Varchar, "varchar", -1, false, 'S', 0, 1015, 'b'},
		{1015, "_varchar", -1, false, 'A', Varchar, 0, 'b'},
		{Date, "date", 4, true, 'D', 0, 1182, 'b'},
		{1182, "_date", -1, false, 'A', Date, 0, 'b'},
		{Time, "time", 8, true, 'D', 0, 1183, 'b'},
		{1183, "_time", -1, false, 'A', Time, 0, 'b'},
		{Timestamp, "timestamp", 8, true, 'D', 0, 1115, 'b'},
		{1115, "_timestamp", -1, false, 'A', Timestamp, 0, 'b'},
		{TimestampTZ, "timestamptz", 8, true, 'D', 0, 1185, 'b'},
		{1185, "_timestamptz", -1, false, 'A', TimestampTZ, 0, 'b'},
		{Interval_, "interval", 16, false, 'T', 0, 1187, 'b'},
		{1187, "_interval", -1, false, 'A', Interval_, 0, 'b'},
		{Numeric, "numeric", -1, false, 'N', 0, 1231, 'b'},
		{1231, "_numeric", -1, false, 'A', Numeric, 0, 'b'},
		{RegClass, "regclass", 4, true, 'N', 0, 2210, 'b'},
		{2210, "_regclass", -1, false, 'A', RegClass, 0, 'b'},
		{RegType, "regtype", 4, true, 'N', 0, 2211, 'b'},
		{2211, "_regtype", -1, false, 'A', RegType, 0, 'b'},
		{Record_, "record", -1, false, 'P', 0, 2287, 'p'},
		{2287, "_record", -1, false, 'P', Record_, 0, 'p'},
		{AnyArray, "anyarray", -1, false, 'P', 0, 0, 'p'},
		{Void, "void", 4, true, 'P', 0, 0, 'p'},
		// More pseudo-types PostgreSQL 15 has, which catalog SQL names
		// (pgcli's completion: prorettype::regtype != 'trigger'::regtype).
		{2276, "any", 4, true, 'P', 0, 0, 'p'},
		{2275, "cstring", -2, false, 'P', 0, 1263, 'p'},
		{1263, "_cstring", -1, false, 'A', 2275, 0, 'b'},
		{2279, "trigger", 4, true, 'P', 0, 0, 'p'},
		{3838, "event_trigger", 4, true, 'P', 0, 0, 'p'},
		{2280, "language_handler", 4, true, 'P', 0, 0, 'p'},
		{2281, "internal", 8, true, 'P', 0, 0, 'p'},
		{2283, "anyelement", 4, true, 'P', 0, 0, 'p'},
		{2776, "anynonarray", 4, true, 'P', 0, 0, 'p'},
		{UUID, "uuid", 16, false, 'U', 0, 2951, 'b'},
		{2951, "_uuid", -1, false, 'A', UUID, 0, 'b'},
		{JSONB, "jsonb", -1, false, 'U', 0, 3807, 'b'},
		{3807, "_jsonb", -1, false, 'A', JSONB, 0, 'b'},
		{RegNamespace, "regnamespace", 4, true, 'N', 0, 4090, 'b'},
		{4090, "_regnamespace", -1, false, 'A', RegNamespace, 0, 'b'},
		{RegRole, "regrole", 4, true, 'N', 0, 4097, 'b'},
		{4097, "_regrole", -1, false, 'A', RegRole, 0, 'b'},
	}
}

// typeSet is the built-in type table, by OID and by name. It is never modified
// after newTypes builds it.
type typeSet struct {
	list   []BuiltinType
	byOID  map[uint32]*BuiltinType
	byName map[string]*BuiltinType
}

// typeTable returns the built-in type table, built at first use. It is the one
// shared value of the package, and immutable: Postgres' built-in types do not
// change, and every function of the package reads them.
var typeTable = sync.OnceValue(newTypes)

func newTypes() *typeSet {
	tt := &typeSet{list: builtinTypes(), byOID: map[uint32]*BuiltinType{}, byName: map[string]*BuiltinType{}}
	typeByOID, typeByName := tt.byOID, tt.byName
	for i := range tt.list {
		t := &tt.list[i]
		typeByOID[t.OID] = t
		typeByName[t.Name] = t
	}
	// SQL spellings that pg_query does not already normalize.
	for alias, name := range map[string]string{
		"integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8",
		"boolean": "bool", "real": "float4", "double precision": "float8",
		"character varying": "varchar", "character": "bpchar", "decimal": "numeric",
		"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
		"time without time zone": "time", "string": "text",
	} {
		typeByName[alias] = typeByName[name]
	}
	return tt
}

// BuiltinTypes returns the built-in types, for a catalog's pg_type relation.
func BuiltinTypes() []BuiltinType { return slices.Clone(typeTable().list) }

// LookupType returns the built-in type with the given OID.
func LookupType(oid uint32) (BuiltinType, bool) {
	t, ok := typeTable().byOID[oid]
	if !ok {
		return BuiltinType{}, false
	}
	return *t, true
}

// TypeName returns typname for oid, or "???" as format_type does for unknown OIDs.
func TypeName(oid uint32) string {
	if t, ok := typeTable().byOID[oid]; ok {
		return t.Name
	}
	return "???"
}

// ElemOf returns the element type of an array type (int2vector and oidvector
// included), or 0.
func ElemOf(oid uint32) uint32 {
	if t, ok := typeTable().byOID[oid]; ok && t.Category == 'A' {
		return t.Elem
	}
	return 0
}

// ArrayOf returns the array type whose elements have type oid (text[] for unknown).
func ArrayOf(oid uint32) uint32 {
	if oid == Unknown {
		return TextArr
	}
	if t, ok := typeTable().byOID[oid]; ok && t.Array != 0 {
		return t.Array
	}
	return TextArr
}

func isArray(oid uint32) bool { return ElemOf(oid) != 0 }

func isInteger(oid uint32) bool {
	switch oid {
	case Int2, Int4, Int8, OID, RegClass, RegType, RegNamespace, RegRole, RegProc:
		return true
	}
	return false
}

func isFloat(oid uint32) bool { return oid == Float4 || oid == Float8 || oid == Numeric }

func isStringType(oid uint32) bool {
	switch oid {
	case Text, Name, Char, Varchar, BPChar, Unknown, JSON, JSONB, PgNodeTree:
		return true
	}
	return false
}

func isReg(oid uint32) bool {
	switch oid {
	case RegClass, RegType, RegNamespace, RegRole, RegProc:
		return true
	}
	return false
}

// typeFromName resolves a type name as written in a cast (schema already dropped).
func typeFromName(name string, arrayDims int) (uint32, error) {
	t, ok := typeTable().byName[strings.ToLower(name)]
	if !ok {
		return 0, sqlerr.Newf(sqlerr.UndefinedObject, "type %q does not exist", name)
	}
	oid := t.OID
	for range arrayDims {
		oid = ArrayOf(oid)
	}
	return oid, nil
}

// Names resolves the reg* types (regclass, regtype, regnamespace, regrole, regproc)
// between object names and OIDs.
type Names interface {
	// OIDOf returns the OID of the object of reg type typ named name, or an error
	// with SQLSTATE 42P01/42704 when there is none.
	OIDOf(typ uint32, name string) (int64, error)
	// NameOf returns the name of the object with that OID; ok is false when there is
	// none, and the OID is then printed as a number, as Postgres does.
	NameOf(typ uint32, oid int64) (name string, ok bool)
}

// castValue converts non-nil v of type from to type to.
func castValue(names Names, v any, from, to uint32) (any, error) {
	if v == nil || from == to {
		return v, nil
	}
	if to == Record_ || to == AnyArray {
		return v, nil
	}
	if r, ok, err := castTemporal(v, from, to); ok || err != nil {
		return r, err
	}
	switch {
	case to == Numeric:
		switch x := v.(type) {
		case *apd.Decimal:
			return x, nil
		case int64:
			return apd.New(x, 0), nil
		case float64:
			if d, ok := toDecimal(x); ok {
				return d, nil
			}
			return &apd.Decimal{Form: apd.NaN}, nil
		case bool:
			break
		case string:
			return parseNumeric(x)
		}
	case isStringType(to):
		if to == Char {
			s := formatText(names, v, from)
			if len(s) > 1 {
				s = s[:1]
			}
			return s, nil
		}
		return formatText(names, v, from), nil
	case isReg(to):
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
			return names.OIDOf(to, x)
		}
	case isInteger(to):
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(math.RoundToEven(x)), nil
		case *apd.Decimal:
			return decToInt(x)
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", TypeName(to), x)
			}
			return n, nil
		}
	case isFloat(to):
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case *apd.Decimal:
			f, err := x.Float64()
			if err != nil {
				return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range for type double precision")
			}
			return f, nil
		case string:
			f, err := parseFloatText(x)
			if err != nil {
				return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", TypeName(to), x)
			}
			return f, nil
		}
	case to == Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "t", "true", "y", "yes", "on", "1":
				return true, nil
			case "f", "false", "n", "no", "off", "0":
				return false, nil
			}
			return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type boolean: %q", x)
		}
	case isArray(to):
		elem := ElemOf(to)
		switch x := v.(type) {
		case []any:
			out := make([]any, len(x))
			fromElem := ElemOf(from)
			if fromElem == 0 {
				fromElem = Unknown
			}
			for i, e := range x {
				c, err := castValue(names, e, fromElem, elem)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		case string:
			parts, err := parseArrayText(x, to == Int2Vector || to == OIDVector)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				if p == nil {
					continue
				}
				c, err := castValue(names, *p, Text, elem)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		}
	}
	return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", TypeName(from), TypeName(to))
}

// parseArrayText parses a one-dimensional array literal ({a,"b c",NULL}) or, for
// vectors, a space-separated list.
func parseArrayText(s string, vector bool) ([]*string, error) {
	s = strings.TrimSpace(s)
	if vector && !strings.HasPrefix(s, "{") {
		var out []*string
		for _, f := range strings.Fields(s) {
			f := f
			out = append(out, &f)
		}
		return out, nil
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "malformed array literal: %q", s)
	}
	body := s[1 : len(s)-1]
	var out []*string
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	var cur strings.Builder
	quoted, inQuote, escaped := false, false, false
	flush := func() {
		v := cur.String()
		if !quoted {
			v = strings.TrimSpace(v)
			if strings.EqualFold(v, "null") {
				out = append(out, nil)
				cur.Reset()
				return
			}
		}
		out = append(out, &v)
		cur.Reset()
		quoted = false
	}
	for _, r := range body {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '"':
			inQuote = !inQuote
			quoted = true
		case r == ',' && !inQuote:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out, nil
}

// FormatText renders non-nil v of type typ as Postgres' text output function
// would; names resolves reg* OIDs (it may be nil).
func FormatText(names Names, v any, typ uint32) string { return formatText(names, v, typ) }

func formatText(names Names, v any, typ uint32) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *apd.Decimal:
		return formatNumeric(x)
	case time.Time:
		switch typ {
		case Date:
			return formatDate(x)
		case TimestampTZ:
			return formatTimestamp(x, true)
		}
		return formatTimestamp(x, false)
	case TimeOfDay:
		return formatTimeOfDay(x)
	case Interval:
		return formatInterval(x)
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case bool:
		if typ == Bool || typ == Unknown || typ == 0 {
			if x {
				return "true"
			}
			return "false"
		}
		if x {
			return "t"
		}
		return "f"
	case int64:
		if isReg(typ) && names != nil {
			if n, ok := names.NameOf(typ, x); ok {
				return n
			}
		}
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsInf(x, 1) {
			return "Infinity"
		} else if math.IsInf(x, -1) {
			return "-Infinity"
		} else if math.IsNaN(x) {
			return "NaN"
		}
		if typ == Numeric && x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return formatFloat8(x)
	case []any:
		elem := ElemOf(typ)
		if typ == Int2Vector || typ == OIDVector {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = formatText(names, e, elem)
			}
			return strings.Join(parts, " ")
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if e == nil {
				b.WriteString("NULL")
				continue
			}
			b.WriteString(quoteArrayElem(formatArrayElem(names, e, elem)))
		}
		b.WriteByte('}')
		return b.String()
	case Record:
		var b strings.Builder
		b.WriteByte('(')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if e != nil {
				s := formatText(names, e, 0)
				if s == "" || strings.ContainsAny(s, `(),"\ `) {
					s = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
				}
				b.WriteString(s)
			}
		}
		b.WriteByte(')')
		return b.String()
	}
	return fmt.Sprint(v)
}

// formatArrayElem renders an array element; booleans inside arrays print as t/f.
func formatArrayElem(names Names, v any, elem uint32) string {
	if b, ok := v.(bool); ok {
		if b {
			return "t"
		}
		return "f"
	}
	return formatText(names, v, elem)
}

func quoteArrayElem(s string) string {
	if s == "" || strings.EqualFold(s, "null") || strings.ContainsAny(s, "{},\"\\ \t\n") {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return s
}

package pgcatalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluice-db/sluice/pgface/pgeval"
)

// builtinProcsFile holds PostgreSQL 15's pg_proc rows (with each function's
// language, aggregate kind and description) for the functions the Postgres
// path implements, one JSON object a line. TestBuiltinProcsArePostgres15
// regenerates it from a real PostgreSQL 15 and fails when it is out of date.
const builtinProcsFile = "builtin_procs.jsonl"

//go:embed builtin_procs.jsonl
var builtinProcsJSON string

// builtinProc is one function as PostgreSQL 15 catalogs it.
type builtinProc struct {
	OID          int64    `json:"oid"`
	Name         string   `json:"proname"`
	Schema       string   `json:"nspname"`
	Kind         string   `json:"prokind"`
	Volatility   string   `json:"provolatile"`
	Parallel     string   `json:"proparallel"`
	Strict       bool     `json:"proisstrict"`
	RetSet       bool     `json:"proretset"`
	Variadic     int64    `json:"provariadic"`
	Support      int64    `json:"prosupport"`
	NArgs        int64    `json:"pronargs"`
	NArgDefaults int64    `json:"pronargdefaults"`
	RetType      int64    `json:"prorettype"`
	ArgTypes     []int64  `json:"proargtypes"`
	AllArgTypes  []int64  `json:"proallargtypes"`
	ArgModes     []string `json:"proargmodes"`
	ArgNames     []string `json:"proargnames"`
	// ArgDefaults is pg_get_expr(proargdefaults, 0): the defaults of the last
	// NArgDefaults input arguments, comma-separated.
	ArgDefaults   *string `json:"argdefaults"`
	Language      string  `json:"lanname"`
	Src           string  `json:"prosrc"`
	Cost          float64 `json:"procost"`
	Rows          float64 `json:"prorows"`
	LeakProof     bool    `json:"proleakproof"`
	SecurityDef   bool    `json:"prosecdef"`
	AggKind       *string `json:"aggkind"`
	AggDirectArgs *int64  `json:"aggnumdirectargs"`
	AggTransFn    *string `json:"aggtransfn"`
	AggFinalFn    *string `json:"aggfinalfn"`
	Description   *string `json:"description"`
	// SQLBody is pg_get_function_sqlbody: the body of a function written in
	// SQL-standard form (BEGIN ATOMIC or RETURN), else nil.
	SQLBody *string `json:"sqlbody"`
}

// language is a pg_language row.
type language struct {
	oid       int64
	name      string
	trusted   bool
	validator int64
}

// builtinLanguages are the languages the built-in functions are written in,
// with PostgreSQL's OIDs and validators.
func builtinLanguages() []language {
	return []language{
		{12, "internal", false, 2246},
		{13, "c", false, 2247},
		{14, "sql", true, 2248},
	}
}

func languageOID(name string) int64 {
	for _, l := range builtinLanguages() {
		if l.name == name {
			return l.oid
		}
	}
	return 0
}

// parseBuiltinProcs reads builtinProcsFile.
func parseBuiltinProcs() []*builtinProc {
	var out []*builtinProc
	for _, line := range strings.Split(builtinProcsJSON, "\n") {
		if line == "" {
			continue
		}
		p := &builtinProc{}
		if err := json.Unmarshal([]byte(line), p); err != nil {
			panic(fmt.Sprintf("pgcatalog: %s: %v", builtinProcsFile, err))
		}
		out = append(out, p)
	}
	return out
}

func namespaceOID(name string) int64 {
	for _, ns := range namespaces {
		if ns.name == name {
			return ns.oid
		}
	}
	return 0
}

// list makes a column value of a list: an array, or NULL (a nil any, not a
// nil []any) when there is none.
func list[T any](s []T) any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func optional[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func procRows(s *snapshot) [][]any {
	var out [][]any
	for _, p := range s.virt.procs {
		// proargdefaults holds the defaults as pg_get_expr renders them, not
		// as a node tree: pg_get_expr returns them as they are. prosqlbody
		// is NULL (pg_get_function_sqlbody has the text). A planner support
		// function is not in Sluice's pg_proc: prosupport prints as its OID.
		out = append(out, []any{p.OID, p.Name, namespaceOID(p.Schema), int64(roleOID), languageOID(p.Language),
			p.Cost, p.Rows, p.Variadic, p.Support, p.Kind, p.SecurityDef, p.LeakProof, p.Strict, p.RetSet, p.Volatility, p.Parallel,
			p.NArgs, p.NArgDefaults, p.RetType, list(p.ArgTypes), list(p.AllArgTypes), list(p.ArgModes),
			list(p.ArgNames), optional(p.ArgDefaults), nil, p.Src, nil, nil, nil, nil})
	}
	return out
}

func aggregateRows(s *snapshot) [][]any {
	var out [][]any
	for _, p := range s.virt.procs {
		if p.AggKind != nil {
			out = append(out, []any{p.OID, *p.AggKind, optional(p.AggDirectArgs), optional(p.AggTransFn), optional(p.AggFinalFn)})
		}
	}
	return out
}

func languageRows(*snapshot) [][]any {
	var out [][]any
	for _, l := range builtinLanguages() {
		out = append(out, []any{l.oid, l.name, int64(roleOID), false, l.trusted, int64(0), int64(0), l.validator, nil})
	}
	return out
}

// procDescriptionRows are the built-in functions' pg_description rows.
func procDescriptionRows(s *snapshot) [][]any {
	var out [][]any
	for _, p := range s.virt.procs {
		if p.Description != nil {
			out = append(out, []any{p.OID, int64(classPgProc), int64(0), *p.Description})
		}
	}
	return out
}

// functionArguments renders p's arguments as pg_get_function_arguments
// (defaults) and pg_get_function_identity_arguments (no defaults) do, or,
// with table, its RETURNS TABLE columns; it returns how many it printed.
// An ordered-set aggregate's aggregated arguments follow ORDER BY; when the
// last direct argument is variadic it is printed on both sides, as Postgres
// does.
func functionArguments(b *strings.Builder, p *builtinProc, table, defaults bool) int {
	types := p.ArgTypes
	if p.AllArgTypes != nil {
		types = p.AllArgTypes
	}
	var defs []string
	if defaults && p.ArgDefaults != nil {
		defs = splitTopLevel(*p.ArgDefaults)
	}
	orderByAt := -1
	if p.AggKind != nil && (*p.AggKind == "o" || *p.AggKind == "h") && p.AggDirectArgs != nil {
		orderByAt = int(*p.AggDirectArgs)
	}
	lackDefaults := int(p.NArgs - p.NArgDefaults)
	printed, input := 0, 0
	for i := 0; i < len(types); i++ {
		mode := "i"
		if p.ArgModes != nil {
			mode = p.ArgModes[i]
		}
		prefix, isInput := "", true
		switch mode {
		case "o":
			prefix, isInput = "OUT ", false
		case "b":
			prefix = "INOUT "
		case "v":
			prefix = "VARIADIC "
		case "t":
			isInput = false
		}
		if isInput {
			input++
		}
		if table != (mode == "t") {
			continue
		}
		if printed == orderByAt {
			if printed > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("ORDER BY ")
		} else if printed > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		if i < len(p.ArgNames) && p.ArgNames[i] != "" {
			b.WriteString(pgeval.QuoteIdent(p.ArgNames[i]) + " ")
		}
		b.WriteString(pgeval.FormatType(uint32(types[i]), -1))
		if defaults && isInput && input > lackDefaults && input-lackDefaults-1 < len(defs) {
			b.WriteString(" DEFAULT " + defs[input-lackDefaults-1])
		}
		printed++
		if printed == orderByAt && i == len(types)-1 {
			i--
			defaults = false
		}
	}
	return printed
}

// functionResult renders p's result as pg_get_function_result does: SETOF t,
// TABLE(...) for RETURNS TABLE, or NULL (nil) for a procedure.
func functionResult(p *builtinProc) any {
	if p.Kind == "p" {
		return nil
	}
	var b strings.Builder
	if p.RetSet {
		b.WriteString("TABLE(")
		if functionArguments(&b, p, true, false) > 0 {
			b.WriteByte(')')
			return b.String()
		}
		b.Reset()
		b.WriteString("SETOF ")
	}
	b.WriteString(pgeval.FormatType(uint32(p.RetType), -1))
	return b.String()
}

// splitTopLevel splits a comma-separated list of expressions at the commas
// outside parentheses, brackets and quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// procFunctions are the catalog functions over pg_proc: pg_get_function_*
// and pg_function_is_visible.
func procFunctions(snap *snapshot, f map[string]*pgeval.Func) {
	byOID := snap.virt.procByOID
	render := func(table, defaults bool) *pgeval.Func {
		return &pgeval.Func{Ret: pgeval.Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
			p, ok := byOID[a[0].(int64)]
			if !ok {
				return nil, nil
			}
			var b strings.Builder
			functionArguments(&b, p, table, defaults)
			return b.String(), nil
		}}
	}
	f["pg_get_function_arguments"] = render(false, true)
	f["pg_get_function_identity_arguments"] = render(false, false)
	f["pg_get_function_result"] = &pgeval.Func{Ret: pgeval.Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
		p, ok := byOID[a[0].(int64)]
		if !ok {
			return nil, nil
		}
		return functionResult(p), nil
	}}
	f["pg_get_function_sqlbody"] = &pgeval.Func{Ret: pgeval.Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
		if p, ok := byOID[a[0].(int64)]; ok {
			return optional(p.SQLBody), nil
		}
		return nil, nil
	}}
	// Every built-in is in pg_catalog, first on the search path, except
	// information_schema's, which is not on it; a missing OID is NULL.
	f["pg_function_is_visible"] = &pgeval.Func{Ret: pgeval.Bool, MinArgs: 1, MaxArgs: 1, Args: []uint32{pgeval.OID}, Eval: func(_ *pgeval.Ctx, a []any) (any, error) {
		p, ok := byOID[a[0].(int64)]
		if !ok {
			return nil, nil
		}
		return p.Schema == "pg_catalog", nil
	}}
}

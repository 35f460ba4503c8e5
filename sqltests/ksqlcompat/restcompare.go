package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// This file compares a query's result read from the PG wire with the response a
// REST QTT case expects from ksqlDB.

// compareQueryResponse checks a query's result against ksqlDB's expected messages:
// the header's schema, the rows (a multiset unless verifyOrder) and the final
// message. It returns the kind of the first difference and a diff, or "".
func compareQueryResponse(exp []map[string]json.RawMessage, res wireResult, stmt string, keys map[string]bool, verifyOrder bool) (string, string) {
	var wantRows []any
	var wantFinal json.RawMessage
	for _, m := range exp {
		if h, ok := m["header"]; ok {
			if kind, diff := compareHeader(h, res.fields, keys, stmt); kind != "" {
				return kind, diff
			}
		}
		if r, ok := m["row"]; ok {
			var row map[string]json.RawMessage
			if err := json.Unmarshal(r, &row); err != nil {
				return "response", "bad expected row: " + err.Error()
			}
			// "tombstone" has no PG wire counterpart: only the columns are compared.
			v, err := decodeJSON(row["columns"])
			if err != nil {
				return "response", "bad expected row: " + err.Error()
			}
			wantRows = append(wantRows, v)
		}
		if f, ok := m["finalMessage"]; ok {
			wantFinal = f
		}
	}
	got := make([]any, len(res.rows))
	for i, row := range res.rows {
		vals := make([]any, len(row))
		for j, v := range row {
			var oid uint32
			if j < len(res.fields) {
				oid = res.fields[j].DataTypeOID
			}
			x, err := pgTextToJSON(oid, v)
			if err != nil {
				return "decode", fmt.Sprintf("row %d column %d: %v", i+1, j+1, err)
			}
			vals[j] = x
		}
		got[i] = vals
	}
	if kind := compareRows(wantRows, got, verifyOrder); kind != "" {
		return kind, rowsDiff(wantRows, got, res)
	}
	if wantFinal != nil && !res.complete {
		return "final message", fmt.Sprintf("want final message %s; the query did not complete", compactJSON(wantFinal))
	}
	return "", ""
}

// compareHeader compares the expected header's schema with the RowDescription,
// marking the columns named in keys KEY.
func compareHeader(raw json.RawMessage, fields []pgconn.FieldDescription, keys map[string]bool, stmt string) (string, string) {
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return "response", "bad expected header: " + err.Error()
	}
	want, prefix, ok := expectedString(h, "schema", stmt)
	if !ok {
		return "", ""
	}
	got := make([]Column, len(fields))
	parts := make([]string, len(fields))
	for i, f := range fields {
		got[i] = Column{Name: f.Name, Type: ksqlTypeOfField(f)}
		parts[i] = "`" + f.Name + "` " + got[i].Type
		if keys[f.Name] {
			got[i].Role = "KEY"
			parts[i] += " KEY"
		}
	}
	gotText := strings.Join(parts, ", ")
	if prefix {
		if !strings.HasPrefix(gotText, want) {
			return "header", fmt.Sprintf("schema\n  want prefix %s\n  got         %s", want, gotText)
		}
		return "", ""
	}
	cols := parseSchema(want)
	match := len(cols) == len(got)
	for i := 0; match && i < len(cols); i++ {
		role := cols[i].Role
		if role == "VALUE" {
			role = ""
		}
		match = cols[i].Name == got[i].Name && role == got[i].Role && typeMatches(canonicalType(cols[i].Type), got[i].Type)
	}
	if !match {
		return "header", fmt.Sprintf("schema\n  want %s\n  got  %s", want, gotText)
	}
	return "", ""
}

var fromSource = regexp.MustCompile("(?i)\\bFROM\\s+(`[^`]+`|\"[^\"]+\"|\\w+)")

// resultKeyColumns returns the result columns ksqlDB marks KEY in a query's header:
// for a pull query over a table, the table's key columns (and WINDOWSTART and
// WINDOWEND when it is windowed) that the result has under the same name; none for
// push queries and for streams. This rule reproduces every header of the REST QTT
// files whose names and types agree.
func resultKeyColumns(stmt string, cat map[string]*SourceInfo) map[string]bool {
	m := fromSource.FindStringSubmatch(stmt)
	if m == nil || emitChanges.MatchString(stmt) {
		return nil
	}
	name := m[1]
	if name[0] == '`' || name[0] == '"' {
		name = name[1 : len(name)-1]
	} else {
		name = strings.ToUpper(name)
	}
	src := cat[name]
	if src == nil || src.Kind != "TABLE" {
		return nil
	}
	keys := map[string]bool{}
	for _, c := range src.keyColumns {
		keys[c.Name] = true
	}
	if src.WindowType != "" {
		keys["WINDOWSTART"], keys["WINDOWEND"] = true, true
	}
	return keys
}

// expectedString reads a string field of an expected object, honouring the
// "name|startsWith" form and {STATEMENT}.
func expectedString(m map[string]json.RawMessage, name, stmt string) (s string, prefix, ok bool) {
	raw, found := m[name]
	if !found {
		if raw, found = m[name+"|startsWith"]; !found {
			return "", false, false
		}
		prefix = true
	}
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return strings.ReplaceAll(s, "{STATEMENT}", stmt), prefix, true
}

// canonicalType normalizes a ksqlDB type as canonicalSchema does.
func canonicalType(t string) string {
	s := canonicalSchema([]Column{{Name: "X", Type: t}})
	return strings.TrimSpace(strings.TrimPrefix(s, "X "))
}

var decimalParams = regexp.MustCompile(`DECIMAL\(\d+,\d+\)`)

// typeMatches compares an expected canonical type with the one read from the wire.
func typeMatches(want, got string) bool {
	switch {
	case want == got:
		return true
	case got == complexType:
		return strings.HasPrefix(want, "MAP<") || strings.HasPrefix(want, "STRUCT<") || strings.HasPrefix(want, "ARRAY<")
	case strings.Contains(got, "DECIMAL") && !strings.Contains(got, "DECIMAL("):
		// A numeric without typmod (e.g. an array's elements): any precision.
		return decimalParams.ReplaceAllString(want, "DECIMAL") == got
	}
	return false
}

// compareRows compares expected rows with actual ones: the count must match, and
// then the rows in order or as a multiset.
func compareRows(want, got []any, verifyOrder bool) string {
	if len(want) != len(got) {
		return "count"
	}
	if verifyOrder {
		for i := range want {
			if !valuesMatch(want[i], got[i], false) {
				return "rows"
			}
		}
		return ""
	}
	if !multisetMatch(want, got) {
		return "rows"
	}
	return ""
}

// multisetMatch reports whether every expected row can be paired with its own
// matching actual row: a bipartite matching, since the comparator's leniency (an
// expected 10.0 matches an actual 10) makes greedy pairing unsound.
func multisetMatch(want, got []any) bool {
	owner := make([]int, len(got)) // actual row -> expected row paired with it, or -1
	for i := range owner {
		owner[i] = -1
	}
	ok := make([][]bool, len(want))
	for i := range want {
		ok[i] = make([]bool, len(got))
		for j := range got {
			ok[i][j] = valuesMatch(want[i], got[j], false)
		}
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for j := range got {
			if !ok[i][j] || seen[j] {
				continue
			}
			seen[j] = true
			if owner[j] < 0 || try(owner[j], seen) {
				owner[j] = i
				return true
			}
		}
		return false
	}
	for i := range want {
		if !try(i, make([]bool, len(got))) {
			return false
		}
	}
	return true
}

func rowsDiff(want, got []any, res wireResult) string {
	var b strings.Builder
	for _, w := range want {
		fmt.Fprintf(&b, "- %s\n", jsonText(w))
	}
	for _, g := range got {
		fmt.Fprintf(&b, "+ %s\n", jsonText(g))
	}
	return b.String()
}

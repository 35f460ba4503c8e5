package ksqlrest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// insertsStream runs POST /inserts-stream: the first line names the target
// stream ({"target": "S"}), each following line is a JSON object (a row by
// column name), and each row is acknowledged on its own line, in order, as it
// is written ({"status":"ok","seq":N}) or refused (status "error"): one
// acknowledgement per line, or (Accept: application/json) all of them in one
// JSON array, as /query-stream answers.
func (a *API) insertsStream(w http.ResponseWriter, r *http.Request) {
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 16<<20)
	if !sc.Scan() {
		writeError(w, errBadRequest, "Invalid JSON in inserts stream: no target")
		return
	}
	var head struct {
		Target     string         `json:"target"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil || head.Target == "" {
		writeError(w, errBadRequest, "Invalid JSON in inserts stream: the first line must be {\"target\": \"<stream>\"}")
		return
	}
	ctx := r.Context()
	s, err := a.session(ctx, head.Properties)
	if err != nil {
		writeError(w, errBadRequest, sqlerr.As(err).Message)
		return
	}
	defer s.Close()
	// The target's columns type the nested values (a JSON object is a STRUCT
	// or a MAP as the column says).
	var columns map[string]types.Column
	if d, err := s.Described("DESCRIBE " + ident(head.Target) + ";"); err == nil && d != nil && d.Source != nil {
		columns = map[string]types.Column{}
		for _, c := range d.Source.Source.Columns {
			columns[c.Name] = c
		}
	}
	asArray := strings.Contains(r.Header.Get("Accept"), mediaJSON)
	flusher, _ := w.(http.Flusher)
	sep := []byte("[")
	if asArray {
		w.Header().Set("Content-Type", mediaJSON)
	} else {
		w.Header().Set("Content-Type", mediaDelimited)
	}
	ack := func(v any) {
		b, _ := json.Marshal(v)
		if asArray {
			_, _ = w.Write(append(sep, b...))
			sep = []byte(",")
		} else {
			_, _ = w.Write(append(b, '\n'))
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	if asArray {
		defer func() {
			if string(sep) == "[" {
				_, _ = w.Write(sep)
			}
			_, _ = w.Write([]byte("]"))
		}()
	}
	for seq := int64(0); sc.Scan(); seq++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			seq--
			continue
		}
		stmt, err := insertStatement(head.Target, line, columns)
		if err == nil {
			err = s.Execute(ctx, stmt, nil, discard{})
		}
		if err != nil {
			ack(map[string]any{"status": "error", "seq": seq, "error_code": errBadRequest, "message": sqlerr.As(err).Message})
			continue
		}
		ack(map[string]any{"status": "ok", "seq": seq})
	}
}

// insertStatement builds INSERT INTO target (cols) VALUES (...) from a JSON
// object, each value a literal of its column's type (columns: by name; nil
// when the target is unknown, which the INSERT then reports). Column names
// are matched as ksqlDB's inserts stream matches them: case-insensitively
// unless written in backticks.
func insertStatement(target string, line []byte, columns map[string]types.Column) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var row map[string]any
	if err := dec.Decode(&row); err != nil {
		return "", sqlerr.New(sqlerr.InvalidParameterValue, "Invalid JSON in inserts stream: "+err.Error())
	}
	names := sortedKeys(row)
	cols, vals := make([]string, len(names)), make([]string, len(names))
	for i, k := range names {
		cols[i] = ident(k)
		lit, err := literal(row[k], columns[unquoted(k)].Type)
		if err != nil {
			return "", sqlerr.Newf(sqlerr.InvalidParameterValue, "column %s: %v", k, err)
		}
		vals[i] = lit
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s);", ident(target), strings.Join(cols, ", "), strings.Join(vals, ", ")), nil
}

// ident writes a name as a KSQL identifier: upper case in backticks, or as
// written when the name is itself in backticks.
func ident(name string) string {
	return "`" + strings.ReplaceAll(unquoted(name), "`", "``") + "`"
}

// unquoted is the column a JSON member names: upper case, or as written in
// backticks.
func unquoted(name string) string {
	if len(name) > 1 && strings.HasPrefix(name, "`") && strings.HasSuffix(name, "`") {
		return name[1 : len(name)-1]
	}
	return strings.ToUpper(name)
}

// literal writes a JSON value as a KSQL literal of type t (nil: as the JSON
// value's own kind, for scalars). Nested values follow ksqlDB's JSON
// mapping: an ARRAY is a JSON array, a MAP and a STRUCT JSON objects (a
// struct's fields matched case-insensitively), BYTES base64 text, DATE, TIME
// and TIMESTAMP ISO-8601 text.
func literal(v any, t *types.Type) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	if t != nil {
		switch t.Kind {
		case types.KindArray:
			elems, ok := v.([]any)
			if !ok {
				return "", fmt.Errorf("want a JSON array for %s, got %s", t, jsonKind(v))
			}
			lits := make([]string, len(elems))
			for i, e := range elems {
				lit, err := literal(e, t.Elem)
				if err != nil {
					return "", fmt.Errorf("element %d: %w", i, err)
				}
				lits[i] = lit
			}
			if len(lits) == 0 {
				return emptyArray(t.Elem), nil
			}
			return "ARRAY[" + strings.Join(lits, ", ") + "]", nil
		case types.KindMap:
			obj, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("want a JSON object for %s, got %s", t, jsonKind(v))
			}
			keys := sortedKeys(obj)
			entries := make([]string, len(keys))
			for i, k := range keys {
				key, err := literal(k, t.Key)
				if err != nil {
					return "", fmt.Errorf("key %q: %w", k, err)
				}
				val, err := literal(obj[k], t.Elem)
				if err != nil {
					return "", fmt.Errorf("key %q: %w", k, err)
				}
				entries[i] = key + " := " + val
			}
			if len(entries) == 0 {
				return "AS_MAP(" + emptyArray(t.Key) + ", " + emptyArray(t.Elem) + ")", nil
			}
			return "MAP(" + strings.Join(entries, ", ") + ")", nil
		case types.KindStruct:
			obj, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("want a JSON object for %s, got %s", t, jsonKind(v))
			}
			fields := make([]string, 0, len(t.Fields))
			for _, f := range t.Fields {
				var fv any
				for k, x := range obj {
					if strings.EqualFold(k, f.Name) {
						fv = x
					}
				}
				lit, err := literal(fv, f.Type)
				if err != nil {
					return "", fmt.Errorf("field %s: %w", f.Name, err)
				}
				fields = append(fields, "`"+strings.ReplaceAll(f.Name, "`", "``")+"` := "+lit)
			}
			return "STRUCT(" + strings.Join(fields, ", ") + ")", nil
		case types.KindBytes:
			s, ok := v.(string)
			if !ok {
				return "", fmt.Errorf("want base64 text for BYTES, got %s", jsonKind(v))
			}
			return "TO_BYTES('" + quote(s) + "', 'base64')", nil
		}
	}
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	case string:
		return "'" + quote(v) + "'", nil
	}
	return "", fmt.Errorf("a JSON %s needs a column of a nested type (ARRAY, MAP or STRUCT)", jsonKind(v))
}

// emptyArray is an empty ARRAY<elem>: the dialect has no empty array
// constructor (ksqlDB refuses ARRAY[]), so the slice of none of a typed one.
func emptyArray(elem *types.Type) string {
	return "SLICE(ARRAY[CAST(NULL AS " + elem.String() + ")], 1, 0)"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

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
		stmt, err := insertStatement(head.Target, line)
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
// object of scalar values. Column names are matched as ksqlDB's inserts
// stream matches them: case-insensitively unless written in backticks.
func insertStatement(target string, line []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var row map[string]any
	if err := dec.Decode(&row); err != nil {
		return "", sqlerr.New(sqlerr.InvalidParameterValue, "Invalid JSON in inserts stream: "+err.Error())
	}
	names := make([]string, 0, len(row))
	for k := range row {
		names = append(names, k)
	}
	sort.Strings(names)
	cols, vals := make([]string, len(names)), make([]string, len(names))
	for i, k := range names {
		cols[i] = ident(k)
		lit, err := literal(row[k])
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
	if len(name) > 1 && strings.HasPrefix(name, "`") && strings.HasSuffix(name, "`") {
		name = name[1 : len(name)-1]
	} else {
		name = strings.ToUpper(name)
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func literal(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "NULL", nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	case string:
		return "'" + quote(v) + "'", nil
	}
	return "", fmt.Errorf("only scalar values (strings, numbers, booleans, null) are supported, got %T", v)
}

package ksqlrest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// streamWriter writes a query's header and rows to the response as they come,
// flushing each, in one of the formats of /query-stream or /query.
type streamWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher
	format  string // mediaDelimited, mediaJSON or "v1" (/query)
	queryID string
	cols    []types.Column
	started bool // header written
	rows    int
	tag     string
}

func (s *streamWriter) write(b []byte) error {
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	if s.flusher != nil {
		s.flusher.Flush()
	}
	return nil
}

func (s *streamWriter) Columns(cols []types.Column) error {
	s.cols, s.started = cols, true
	names := columnNames(cols)
	typeNames := make([]string, len(cols))
	for i, c := range cols {
		typeNames[i] = typeName(c.Type)
	}
	switch s.format {
	case "v1":
		schema := make([]string, len(cols))
		for i, c := range cols {
			schema[i] = "`" + c.Name + "` " + typeNames[i]
		}
		b, _ := json.Marshal(map[string]any{"header": map[string]any{"queryId": s.queryID, "schema": strings.Join(schema, ", ")}})
		return s.write(append(append([]byte("["), b...), ",\n"...))
	default:
		b, _ := json.Marshal(map[string]any{"queryId": s.queryID, "columnNames": names, "columnTypes": typeNames})
		if s.format == mediaJSON {
			return s.write(append([]byte("["), b...))
		}
		return s.write(append(b, '\n'))
	}
}

func (s *streamWriter) Row(vals []any) error {
	s.rows++
	b, err := json.Marshal(rowJSON(s.cols, vals))
	if err != nil {
		return err
	}
	switch s.format {
	case "v1":
		b, _ = json.Marshal(map[string]any{"row": map[string]any{"columns": json.RawMessage(b)}})
		return s.write(append(b, ",\n"...))
	case mediaJSON:
		return s.write(append([]byte(","), b...))
	}
	return s.write(append(b, '\n'))
}

func (s *streamWriter) Complete(tag string) error { s.tag = tag; return nil }
func (s *streamWriter) Notice(string) error       { return nil }

// end closes the response's framing after the query ended (err nil: LIMIT
// reached or the table read).
func (s *streamWriter) end(err error) {
	switch s.format {
	case "v1":
		if err != nil {
			b, _ := json.Marshal(map[string]any{"errorMessage": errorBody{Type: "generic_error", ErrorCode: errBadStatement, Message: sqlerr.As(err).Message}})
			_ = s.write(append(b, "]\n"...))
			return
		}
		_ = s.write([]byte("{\"finalMessage\":\"Limit Reached\"}]\n"))
	case mediaJSON:
		if err != nil {
			b, _ := json.Marshal(errorBody{Type: "generic_error", ErrorCode: errBadStatement, Message: sqlerr.As(err).Message})
			_ = s.write(append(append([]byte(","), b...), "]"...))
			return
		}
		_ = s.write([]byte("]"))
	default:
		if err != nil {
			b, _ := json.Marshal(errorBody{Type: "generic_error", ErrorCode: errBadStatement, Message: sqlerr.As(err).Message})
			_ = s.write(append(b, '\n'))
		}
	}
}

// queryStream runs POST /query-stream: a pull or push query whose results are
// streamed as a header then rows, newline-delimited (the default) or as one
// JSON array (Accept: application/json). HTTP/1.1 and HTTP/2 cleartext alike.
func (a *API) queryStream(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SQL        string         `json:"sql"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, errBadRequest, "Invalid JSON in request: "+err.Error())
		return
	}
	format := mediaDelimited
	if strings.Contains(r.Header.Get("Accept"), mediaJSON) {
		format = mediaJSON
	}
	a.runQuery(w, r, req.SQL, req.Properties, format)
}

// queryV1 runs POST /query, the older chunked endpoint.
func (a *API) queryV1(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ksql              string         `json:"ksql"`
		StreamsProperties map[string]any `json:"streamsProperties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, errBadRequest, "Invalid JSON in request: "+err.Error())
		return
	}
	a.runQuery(w, r, req.Ksql, req.StreamsProperties, "v1")
}

func (a *API) runQuery(w http.ResponseWriter, r *http.Request, sql string, props map[string]any, format string) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s, err := a.session(ctx, props)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement, Message: sqlerr.As(err).Message, StatementText: sql})
		return
	}
	defer s.Close()
	stmts, err := s.Statements(sql)
	if err == nil && (len(stmts) != 1 || !isSelect(stmts[0])) {
		err = sqlerr.New(sqlerr.SyntaxError, "Expected exactly one SELECT statement")
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement, Message: sqlerr.As(err).Message, StatementText: sql})
		return
	}
	id := a.newQueryID(cancel)
	defer a.endQuery(id)
	sw := &streamWriter{w: w, format: format, queryID: id}
	sw.flusher, _ = w.(http.Flusher)
	contentType := format
	if format == "v1" {
		contentType = mediaKsql
	}
	w.Header().Set("Content-Type", contentType)
	err = s.Execute(ctx, stmts[0], nil, sw)
	if !sw.started {
		// Failed before any output: a plain error response.
		msg := "query failed"
		if err != nil {
			msg = sqlerr.As(err).Message
		}
		writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement, Message: msg, StatementText: sql})
		return
	}
	if ctx.Err() != nil {
		// Closed by /close-query or the client: the stream just ends.
		sw.end(nil)
		return
	}
	sw.end(err)
}

package ksqlrest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// result collects one statement's output.
type result struct {
	cols    []types.Column
	rows    [][]any
	notices []string
	tag     string
}

func (r *result) Columns(cols []types.Column) error { r.cols = cols; return nil }
func (r *result) Row(vals []any) error {
	r.rows = append(r.rows, append([]any(nil), vals...))
	return nil
}
func (r *result) Complete(tag string) error { r.tag = tag; return nil }
func (r *result) Notice(msg string) error   { r.notices = append(r.notices, msg); return nil }

// discard is a ResultWriter that keeps nothing.
type discard struct{}

func (discard) Columns([]types.Column) error { return nil }
func (discard) Row([]any) error              { return nil }
func (discard) Complete(string) error        { return nil }
func (discard) Notice(string) error          { return nil }

// ksql runs POST /ksql: each statement of the request in order, one entity
// per statement (SET, UNSET, DEFINE and UNDEFINE apply to the rest of the
// request and have none). The first failing statement ends the request with a
// statement_error carrying the entities of the statements before it.
func (a *API) ksql(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ksql              string         `json:"ksql"`
		StreamsProperties map[string]any `json:"streamsProperties"`
		Properties        map[string]any `json:"properties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, errBadRequest, "Invalid JSON in request: "+err.Error())
		return
	}
	props := req.StreamsProperties
	if props == nil {
		props = req.Properties
	}
	ctx := r.Context()
	s, err := a.session(ctx, props)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement, Message: err.Error(), StatementText: req.Ksql})
		return
	}
	defer s.Close()
	stmts, err := s.Statements(req.Ksql)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement, Message: err.Error(), StatementText: req.Ksql, Entities: []any{}})
		return
	}
	entities := []any{}
	for _, text := range stmts {
		if isSelect(text) {
			writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errQueryOnKsql,
				Message:       "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
				StatementText: text, Entities: entities})
			return
		}
		if isDescribed(text) {
			d, err := s.Described(text)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, errorBody{Type: "statement_error", ErrorCode: errBadStatement,
					Message: sqlerr.As(err).Message, StatementText: text, Entities: entities})
				return
			}
			if d != nil {
				entities = append(entities, describedEntity(text, d))
				continue
			}
		}
		var res result
		if err := s.Execute(ctx, text, nil, &res); err != nil {
			status, code := http.StatusBadRequest, errBadStatement
			if sqlerr.As(err).Code == sqlerr.AssertFailure {
				status, code = http.StatusExpectationFailed, errAssertion
			}
			writeJSON(w, status, errorBody{Type: "statement_error", ErrorCode: code,
				Message: sqlerr.As(err).Message, StatementText: text, Entities: entities})
			return
		}
		if e := a.entity(text, &res); e != nil {
			entities = append(entities, e)
		}
	}
	w.Header().Set("Content-Type", mediaKsql)
	_ = json.NewEncoder(w).Encode(entities)
}

// isSelect reports whether a statement belongs on /query: SELECT and PRINT.
func isSelect(text string) bool {
	f := strings.Fields(text)
	return len(f) > 0 && (strings.EqualFold(f[0], "SELECT") || strings.EqualFold(f[0], "PRINT"))
}

// entity maps a statement's result to ksqlDB's entity for it.
func (a *API) entity(text string, res *result) any {
	tag := res.tag
	word := strings.Fields(tag + " x")[0]
	switch word {
	case "SET", "UNSET", "DEFINE", "UNDEFINE":
		return nil
	case "CREATE", "DROP", "TERMINATE", "INSERT", "PAUSE", "RESUME":
		return a.currentStatus(text, res)
	case "ASSERT":
		// ksqlDB's assert_topic and assert_schema entities.
		if len(res.rows) == 1 {
			row := rowJSON(res.cols, res.rows[0])
			if res.tag == "ASSERT TOPIC" {
				return map[string]any{"@type": "assert_topic", "statementText": text, "topicName": row[0], "exists": row[1], "warnings": []any{}}
			}
			return map[string]any{"@type": "assert_schema", "statementText": text, "subject": row[0], "id": row[1], "exists": row[2], "warnings": []any{}}
		}
	}
	upper := strings.ToUpper(strings.Join(strings.Fields(text), " "))
	switch {
	case strings.HasPrefix(upper, "SHOW STREAMS") || strings.HasPrefix(upper, "LIST STREAMS"):
		return map[string]any{"@type": "streams", "statementText": text, "streams": sources(res, "STREAM"), "warnings": []any{}}
	case strings.HasPrefix(upper, "SHOW TABLES") || strings.HasPrefix(upper, "LIST TABLES"):
		return map[string]any{"@type": "tables", "statementText": text, "tables": sources(res, "TABLE"), "warnings": []any{}}
	case strings.HasPrefix(upper, "SHOW QUERIES") || strings.HasPrefix(upper, "LIST QUERIES"):
		return map[string]any{"@type": "queries", "statementText": text, "queries": queries(res), "warnings": []any{}}
	case strings.HasPrefix(upper, "SHOW TOPICS") || strings.HasPrefix(upper, "LIST TOPICS"):
		return map[string]any{"@type": "kafka_topics", "statementText": text, "topics": topics(res), "warnings": []any{}}
	}
	// Other statements (DESCRIBE, SHOW FUNCTIONS, EXPLAIN, ...): Sluice's own
	// entity with the rows the Postgres face would show.
	return map[string]any{"@type": "sluice_rows", "statementText": text, "columns": columnNames(res.cols), "rows": jsonRows(res), "warnings": []any{}}
}

// currentStatus is ksqlDB's entity for CREATE, DROP, TERMINATE and INSERT
// INTO ... SELECT: the command, and its status (always final here: the
// statement has been applied when the engine returns).
func (a *API) currentStatus(text string, res *result) any {
	st := commandStatus{Status: "SUCCESS"}
	f := strings.Fields(res.tag)
	switch {
	case len(res.notices) > 0 && strings.HasPrefix(res.notices[0], "Created query with ID "):
		st.Message = res.notices[0]
		st.QueryID = strings.TrimPrefix(res.notices[0], "Created query with ID ")
	case f[0] == "CREATE" && len(f) > 1:
		st.Message = titleCase(f[1]) + " created"
	case f[0] == "DROP":
		st.Message = "Source dropped."
	case f[0] == "TERMINATE":
		st.Message = "Query terminated."
	case f[0] == "PAUSE":
		st.Message = "Query paused."
	case f[0] == "RESUME":
		st.Message = "Query resumed."
	default:
		st.Message = res.tag
	}
	id := commandID(text, f)
	a.mu.Lock()
	a.commands[id] = st
	seq := int64(len(a.commands))
	a.mu.Unlock()
	return map[string]any{"@type": "currentStatus", "statementText": text, "commandId": id, "commandStatus": st,
		"commandSequenceNumber": seq, "warnings": []any{}}
}

// commandID names a command as ksqlDB does: type/entity/action
// (stream/PAGEVIEWS/create).
func commandID(text string, tag []string) string {
	words := strings.Fields(strings.ToUpper(text))
	action := strings.ToLower(tag[0])
	kind, entity := "statement", ""
	for i, w := range words {
		if w == "STREAM" || w == "TABLE" {
			kind = strings.ToLower(w)
			for _, n := range words[i+1:] {
				if n != "IF" && n != "NOT" && n != "EXISTS" {
					entity = strings.Trim(n, "`;(")
					break
				}
			}
			break
		}
	}
	if tag[0] == "TERMINATE" {
		kind = "terminate"
		if len(words) > 1 {
			entity = strings.Trim(words[1], ";")
		}
	}
	if entity == "" {
		entity = "x"
	}
	return kind + "/" + entity + "/" + action
}

func titleCase(s string) string {
	s = strings.ToLower(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func columnNames(cols []types.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// cell returns the text of a SHOW result's column, "" when absent or null.
func cell(res *result, row []any, name string) string {
	for i, c := range res.cols {
		if strings.EqualFold(c.Name, name) && i < len(row) && row[i] != nil {
			if s, ok := row[i].(string); ok {
				return s
			}
		}
	}
	return ""
}

// sourceInfo is ksqlDB's SourceInfo entity, in its field order.
type sourceInfo struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

func sources(res *result, kind string) []any {
	out := []any{}
	for _, row := range res.rows {
		windowed := false
		for i, c := range res.cols {
			if c.Name == "Windowed" {
				windowed, _ = row[i].(bool)
			}
		}
		name := cell(res, row, "Stream Name")
		if name == "" {
			name = cell(res, row, "Table Name")
		}
		out = append(out, sourceInfo{Type: kind, Name: name, Topic: cell(res, row, "Kafka Topic"),
			KeyFormat: cell(res, row, "Key Format"), ValueFormat: cell(res, row, "Value Format"), IsWindowed: windowed})
	}
	return out
}

func queries(res *result) []any {
	out := []any{}
	for _, row := range res.rows {
		state := cell(res, row, "Status")
		q := map[string]any{"queryString": cell(res, row, "Query String"), "id": cell(res, row, "Query ID"),
			"sinks": []string{cell(res, row, "Sink Name")}, "sinkKafkaTopics": []string{cell(res, row, "Sink Kafka Topic")},
			"queryType": cell(res, row, "Query Type"), "state": state, "statusCount": map[string]int{state: 1}}
		out = append(out, q)
	}
	return out
}

func topics(res *result) []any {
	out := []any{}
	for _, row := range res.rows {
		parts, replicas := 0, 0
		for i, c := range res.cols {
			switch c.Name {
			case "Partitions":
				if n, ok := row[i].(int32); ok {
					parts = int(n)
				}
			case "Partition Replicas":
				if n, ok := row[i].(int32); ok {
					replicas = int(n)
				}
			}
		}
		info := make([]int, parts)
		for i := range info {
			info[i] = replicas
		}
		out = append(out, map[string]any{"name": cell(res, row, "Kafka Topic"), "replicaInfo": info})
	}
	return out
}

func jsonRows(res *result) [][]any {
	out := make([][]any, len(res.rows))
	for i, row := range res.rows {
		out[i] = rowJSON(res.cols, row)
	}
	return out
}

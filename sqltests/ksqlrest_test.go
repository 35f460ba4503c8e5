package sqltests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestKsqlREST drives ksqlDB's REST API of a running server over real HTTP
// (HTTP/1.1, and HTTP/2 cleartext for /query-stream), with requests shaped as
// ksqlDB's REST API reference documents them.
func TestKsqlREST(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := "http://" + srv.Addrs.HTTP
	h1 := &http.Client{}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	h2 := &http.Client{Transport: &http.Transport{Protocols: &p}}

	call := func(cl *http.Client, method, path, accept, body string) (int, []byte, *http.Response) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b, resp
	}
	decode := func(b []byte, v any) {
		t.Helper()
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}

	t.Run("info and healthcheck", func(t *testing.T) {
		code, b, _ := call(h1, "GET", "/info", "", "")
		var info struct {
			KsqlServerInfo struct{ Version, KsqlServiceId, ServerStatus string }
		}
		decode(b, &info)
		if code != 200 || info.KsqlServerInfo.ServerStatus != "RUNNING" || info.KsqlServerInfo.Version == "" || info.KsqlServerInfo.KsqlServiceId != "sluice" {
			t.Errorf("/info: %d %s", code, b)
		}
		code, b, _ = call(h1, "GET", "/healthcheck", "", "")
		var hc struct {
			IsHealthy bool
			Details   map[string]struct{ IsHealthy bool }
		}
		decode(b, &hc)
		if code != 200 || !hc.IsHealthy || !hc.Details["kafka"].IsHealthy || !hc.Details["metastore"].IsHealthy {
			t.Errorf("/healthcheck: %d %s", code, b)
		}
	})

	// The /ksql reference's example: a stream, then a query over it.
	code, b, _ := call(h1, "POST", "/ksql", "", `{"ksql": "CREATE STREAM pageviews (page_id BIGINT KEY, viewtime BIGINT, user_id VARCHAR) WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON', PARTITIONS=1); CREATE STREAM pageviews_home AS SELECT * FROM pageviews WHERE page_id = 1 EMIT CHANGES;", "streamsProperties": {"ksql.streams.auto.offset.reset": "earliest"}}`)
	var created []struct {
		Type          string `json:"@type"`
		StatementText string
		CommandID     string
		CommandStatus struct{ Status, Message, QueryID string }
	}
	decode(b, &created)
	if code != 200 || len(created) != 2 {
		t.Fatalf("/ksql CREATE: %d %s", code, b)
	}
	if c := created[0]; c.Type != "currentStatus" || c.CommandID != "stream/PAGEVIEWS/create" || c.CommandStatus.Status != "SUCCESS" || c.CommandStatus.Message != "Stream created" || !strings.HasPrefix(c.StatementText, "CREATE STREAM pageviews") {
		t.Errorf("first entity: %+v", c)
	}
	queryID := created[1].CommandStatus.QueryID
	if c := created[1]; c.CommandID != "stream/PAGEVIEWS_HOME/create" || queryID == "" || c.CommandStatus.Message != "Created query with ID "+queryID {
		t.Errorf("second entity: %+v", c)
	}

	t.Run("ksql entities and errors", func(t *testing.T) {
		code, b, _ := call(h1, "POST", "/ksql", "", `{"ksql": "SHOW STREAMS; SHOW QUERIES;"}`)
		var ents []map[string]any
		decode(b, &ents)
		if code != 200 || len(ents) != 2 || ents[0]["@type"] != "streams" || ents[1]["@type"] != "queries" {
			t.Fatalf("SHOW: %d %s", code, b)
		}
		if !strings.Contains(string(b), `"name":"PAGEVIEWS","topic":"pageviews","keyFormat":"KAFKA","valueFormat":"JSON","isWindowed":false`) {
			t.Errorf("SHOW STREAMS lacks PAGEVIEWS as ksqlDB describes it: %s", b)
		}
		if !strings.Contains(string(b), `"id":"`+queryID+`"`) || !strings.Contains(string(b), `"state":"RUNNING"`) {
			t.Errorf("SHOW QUERIES lacks %s: %s", queryID, b)
		}
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "SHOW STREAMS; DROP STREAM no_such_stream;"}`)
		var e struct {
			Type          string `json:"@type"`
			ErrorCode     int    `json:"error_code"`
			Message       string
			StatementText string
			Entities      []map[string]any
		}
		decode(b, &e)
		if code != 400 || e.Type != "statement_error" || e.ErrorCode != 40001 || !strings.HasPrefix(e.StatementText, "DROP STREAM no_such_stream") || len(e.Entities) != 1 || e.Message == "" {
			t.Errorf("failing statement: %d %s", code, b)
		}
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "SELECT * FROM pageviews EMIT CHANGES;"}`)
		decode(b, &e)
		if code != 400 || e.ErrorCode != 40002 {
			t.Errorf("SELECT on /ksql: %d %s", code, b)
		}
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "CREATE STREAM ("}`)
		decode(b, &e)
		if code != 400 || e.ErrorCode != 40001 || e.Type != "statement_error" {
			t.Errorf("syntax error: %d %s", code, b)
		}
		// ASSERT: ksqlDB's assert_topic entity, and 417 with 41700 when it fails.
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "ASSERT TOPIC pageviews;"}`)
		if want := `[{"@type":"assert_topic","exists":true,"statementText":"ASSERT TOPIC pageviews","topicName":"pageviews","warnings":[]}]`; code != 200 || strings.TrimSpace(string(b)) != want {
			t.Errorf("ASSERT TOPIC: %d %s, want %s", code, b, want)
		}
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "ASSERT TOPIC nope TIMEOUT 100 MILLISECONDS;"}`)
		decode(b, &e)
		if code != 417 || e.ErrorCode != 41700 || e.Message != "Topic nope does not exist" {
			t.Errorf("failing ASSERT TOPIC: %d %s", code, b)
		}
	})

	t.Run("DESCRIBE and EXPLAIN entities", func(t *testing.T) {
		// ksqlDB's /ksql reference: DESCRIBE answers a sourceDescription
		// (name, readQueries, writeQueries, fields with their schemas, type,
		// timestamp, topic, partitions, replication), EXPLAIN a queryDescription.
		code, b, _ := call(h1, "POST", "/ksql", "", `{"ksql": "DESCRIBE pageviews EXTENDED; DESCRIBE pageviews_home; EXPLAIN `+queryID+`;"}`)
		type field struct {
			Name   string
			Type   string
			Schema struct{ Type string }
		}
		type query struct {
			ID              string
			QueryString     string
			Sinks           []string
			SinkKafkaTopics []string
		}
		var ents []struct {
			Type string `json:"@type"`
			SD   struct {
				Name, Type, Topic, KeyFormat, ValueFormat, Statement string
				Extended                                             bool
				Partitions, Replication                              int
				Fields                                               []field
				ReadQueries, WriteQueries                            []query
			} `json:"sourceDescription"`
			QD struct {
				ID, StatementText, ExecutionPlan, QueryType string
				Fields                                      []field
				Sources, Sinks                              []string
				SluicePlan                                  struct {
					Op     string
					Inputs []json.RawMessage
				}
			} `json:"queryDescription"`
		}
		decode(b, &ents)
		if code != 200 || len(ents) != 3 || ents[0].Type != "sourceDescription" || ents[2].Type != "queryDescription" {
			t.Fatalf("DESCRIBE, EXPLAIN: %d %s", code, b)
		}
		pv := ents[0].SD
		wantFields := []field{{Name: "PAGE_ID", Type: "KEY"}, {Name: "VIEWTIME"}, {Name: "USER_ID"}}
		wantFields[0].Schema.Type, wantFields[1].Schema.Type, wantFields[2].Schema.Type = "BIGINT", "BIGINT", "STRING"
		if pv.Name != "PAGEVIEWS" || pv.Type != "STREAM" || pv.Topic != "pageviews" || !pv.Extended || pv.Partitions != 1 || pv.KeyFormat != "KAFKA" || pv.ValueFormat != "JSON" ||
			!slices.Equal(pv.Fields, wantFields) || !strings.HasPrefix(pv.Statement, "CREATE STREAM pageviews") {
			t.Errorf("DESCRIBE pageviews: %+v", pv)
		}
		if len(pv.ReadQueries) != 1 || pv.ReadQueries[0].ID != queryID || len(pv.WriteQueries) != 0 {
			t.Errorf("DESCRIBE pageviews queries: %+v", pv)
		}
		home := ents[1].SD
		if home.Name != "PAGEVIEWS_HOME" || home.Extended || len(home.WriteQueries) != 1 || home.WriteQueries[0].ID != queryID ||
			!slices.Equal(home.WriteQueries[0].Sinks, []string{"PAGEVIEWS_HOME"}) || !slices.Equal(home.WriteQueries[0].SinkKafkaTopics, []string{"PAGEVIEWS_HOME"}) {
			t.Errorf("DESCRIBE pageviews_home: %+v", home)
		}
		qd := ents[2].QD
		if qd.ID != queryID || !strings.HasPrefix(qd.StatementText, "CREATE STREAM pageviews_home") || !slices.Equal(qd.Sources, []string{"PAGEVIEWS"}) ||
			!slices.Equal(qd.Sinks, []string{"PAGEVIEWS_HOME"}) || len(qd.Fields) != 3 || !strings.HasPrefix(qd.ExecutionPlan, "Sink PAGEVIEWS_HOME") ||
			qd.SluicePlan.Op != "Sink" || len(qd.SluicePlan.Inputs) != 1 || qd.QueryType != "PERSISTENT" {
			t.Errorf("EXPLAIN %s: %s", queryID, b)
		}
		code, b, _ = call(h1, "POST", "/ksql", "", `{"ksql": "DESCRIBE no_such_stream;"}`)
		if code != 400 || !strings.Contains(string(b), `"error_code":40001`) {
			t.Errorf("DESCRIBE of a missing stream: %d %s", code, b)
		}
	})

	// Three rows through the inserts stream, as the streaming API documents it.
	code, b, _ = call(h1, "POST", "/inserts-stream", "", `{"target": "PAGEVIEWS"}
{"PAGE_ID": 1, "VIEWTIME": 100, "USER_ID": "alice"}
{"page_id": 2, "viewtime": 200, "user_id": "bob"}
{"page_id": 1, "viewtime": 300, "user_id": "it's carol"}
{"page_id": "x", "viewtime": 400}
`)
	acks := strings.Split(strings.TrimSpace(string(b)), "\n")
	if code != 200 || len(acks) != 4 || acks[0] != `{"seq":0,"status":"ok"}` || acks[2] != `{"seq":2,"status":"ok"}` || !strings.Contains(acks[3], `"status":"error"`) {
		t.Fatalf("/inserts-stream: %d %s", code, b)
	}

	t.Run("query-stream over HTTP/2, delimited", func(t *testing.T) {
		code, b, resp := call(h2, "POST", "/query-stream", "application/vnd.ksqlapi.delimited.v1",
			`{"sql": "SELECT * FROM pageviews EMIT CHANGES LIMIT 3;", "properties": {"auto.offset.reset": "earliest"}}`)
		if resp.ProtoMajor != 2 {
			t.Errorf("answered over %s, want HTTP/2", resp.Proto)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if code != 200 || len(lines) != 4 {
			t.Fatalf("%d %s", code, b)
		}
		var head struct {
			QueryID                  string
			ColumnNames, ColumnTypes []string
		}
		decode([]byte(lines[0]), &head)
		if head.QueryID == "" || strings.Join(head.ColumnNames, ",") != "PAGE_ID,VIEWTIME,USER_ID" || strings.Join(head.ColumnTypes, ",") != "BIGINT,BIGINT,STRING" {
			t.Errorf("header %s", lines[0])
		}
		if strings.Join(lines[1:], "\n") != `[1,100,"alice"]`+"\n"+`[2,200,"bob"]`+"\n"+`[1,300,"it's carol"]` {
			t.Errorf("rows:\n%s", strings.Join(lines[1:], "\n"))
		}
	})

	t.Run("inserts-stream with nested values", func(t *testing.T) {
		// ksqlDB's JSON for nested columns: an ARRAY a JSON array, a MAP and a
		// STRUCT objects, BYTES base64; rows come back as /query-stream writes them.
		code, b, _ := call(h1, "POST", "/ksql", "", `{"ksql": "CREATE STREAM nested (id VARCHAR KEY, a ARRAY<INT>, m MAP<STRING, INT>, p STRUCT<lat DOUBLE, tags ARRAY<STRING>>, raw BYTES) WITH (KAFKA_TOPIC='nested', VALUE_FORMAT='JSON', PARTITIONS=1);"}`)
		if code != 200 {
			t.Fatalf("CREATE STREAM nested: %d %s", code, b)
		}
		code, b, _ = call(h1, "POST", "/inserts-stream", "", `{"target": "nested"}
{"id": "n1", "a": [1, null, 3], "m": {"x": 1}, "p": {"LAT": 1.5, "tags": ["t1", "t2"]}, "raw": "/w=="}
{"id": "n2", "a": [], "m": {}, "p": {"lat": null}}
{"id": "n3", "a": {"not": "an array"}}
`)
		acks := strings.Split(strings.TrimSpace(string(b)), "\n")
		if code != 200 || len(acks) != 3 || acks[0] != `{"seq":0,"status":"ok"}` || acks[1] != `{"seq":1,"status":"ok"}` || !strings.Contains(acks[2], `"status":"error"`) {
			t.Fatalf("/inserts-stream of nested values: %d %s", code, b)
		}
		code, b, _ = call(h1, "POST", "/query-stream", "application/json",
			`{"sql": "SELECT id, a, m, p, raw FROM nested EMIT CHANGES LIMIT 2;", "properties": {"auto.offset.reset": "earliest"}}`)
		var all []json.RawMessage
		decode(b, &all)
		if code != 200 || len(all) != 3 || string(all[1]) != `["n1",[1,null,3],{"x":1},{"LAT":1.5,"TAGS":["t1","t2"]},"/w=="]` ||
			string(all[2]) != `["n2",[],{},{"LAT":null,"TAGS":null},null]` {
			t.Errorf("rows read back: %d %s", code, b)
		}
	})

	t.Run("query-stream over HTTP/1.1, JSON", func(t *testing.T) {
		code, b, resp := call(h1, "POST", "/query-stream", "application/json",
			`{"sql": "SELECT user_id FROM pageviews_home EMIT CHANGES LIMIT 2;", "properties": {"auto.offset.reset": "earliest"}}`)
		if resp.ProtoMajor != 1 {
			t.Errorf("answered over %s", resp.Proto)
		}
		var all []json.RawMessage
		decode(b, &all)
		if code != 200 || len(all) != 3 || string(all[1]) != `["alice"]` || string(all[2]) != `["it's carol"]` {
			t.Errorf("%d %s", code, b)
		}
	})

	t.Run("query v1", func(t *testing.T) {
		code, b, _ := call(h1, "POST", "/query", "", `{"ksql": "SELECT * FROM pageviews EMIT CHANGES LIMIT 1;", "streamsProperties": {"ksql.streams.auto.offset.reset": "earliest"}}`)
		var chunks []map[string]any
		decode(b, &chunks)
		if code != 200 || len(chunks) != 3 {
			t.Fatalf("%d %s", code, b)
		}
		head, _ := chunks[0]["header"].(map[string]any)
		if head == nil || head["schema"] != "`PAGE_ID` BIGINT, `VIEWTIME` BIGINT, `USER_ID` STRING" {
			t.Errorf("header %v", chunks[0])
		}
		if !bytes.Contains(b, []byte(`{"row":{"columns":[1,100,"alice"]}}`)) || chunks[2]["finalMessage"] != "Limit Reached" {
			t.Errorf("body %s", b)
		}
	})

	t.Run("close-query ends a push query", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/query-stream", strings.NewReader(`{"sql": "SELECT * FROM pageviews EMIT CHANGES;"}`))
		resp, err := h2.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rd := bufio.NewReader(resp.Body)
		line, err := rd.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ QueryID string }
		decode(line, &head)
		code, b, _ := call(h1, "POST", "/close-query", "", `{"queryId": "`+head.QueryID+`"}`)
		if code != 200 {
			t.Fatalf("/close-query: %d %s", code, b)
		}
		done := make(chan error, 1)
		go func() { _, err := io.ReadAll(rd); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stream after close: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the push query's stream did not end after /close-query")
		}
		if code, _, _ := call(h1, "POST", "/close-query", "", `{"queryId": "`+head.QueryID+`"}`); code != 400 {
			t.Errorf("closing it again: %d, want 400", code)
		}
	})

	t.Run("console and the endpoints it reads", func(t *testing.T) {
		code, b, resp := call(h1, "GET", "/", "", "")
		if code != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), `src="/console/console.js"`) {
			t.Errorf("GET /: %d %s", code, resp.Header.Get("Content-Type"))
		}
		if code, _, _ := call(h1, "GET", "/console/console.js", "", ""); code != 200 {
			t.Errorf("GET /console/console.js: %d", code)
		}
		code, b, _ = call(h1, "GET", "/queries", "", "")
		if code != 200 || !strings.Contains(string(b), `"ID":"`+queryID+`"`) || !strings.Contains(string(b), `"Lag":`) {
			t.Errorf("GET /queries: %d %s", code, b)
		}
	})

	t.Run("status, clusterStatus, is_valid_property", func(t *testing.T) {
		code, b, _ := call(h1, "GET", "/status/stream/PAGEVIEWS/create", "", "")
		if code != 200 || !strings.Contains(string(b), `"status":"SUCCESS"`) {
			t.Errorf("/status: %d %s", code, b)
		}
		if code, _, _ := call(h1, "GET", "/status/stream/NOPE/create", "", ""); code != 404 {
			t.Errorf("/status of an unknown command: %d", code)
		}
		code, b, _ = call(h1, "GET", "/clusterStatus", "", "")
		if code != 200 || !strings.Contains(string(b), `"hostAlive":true`) {
			t.Errorf("/clusterStatus: %d %s", code, b)
		}
		if code, b, _ := call(h1, "GET", "/is_valid_property/auto.offset.reset", "", ""); code != 200 || strings.TrimSpace(string(b)) != "true" {
			t.Errorf("valid property: %d %s", code, b)
		}
		if code, _, _ := call(h1, "GET", "/is_valid_property/no.such.property", "", ""); code != 400 {
			t.Errorf("unknown property: %d, want 400", code)
		}
	})
}

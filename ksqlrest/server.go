package ksqlrest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sluice-db/sluice/engine"
)

// Engine is what the API runs statements on.
type Engine interface {
	NewSession(params map[string]string) *engine.Session
	Healthy() bool
}

// Config configures the API.
type Config struct {
	Engine Engine
	// ServiceID is reported as ksqlDB's ksqlServiceId; Advertised is this
	// node's address in /clusterStatus.
	ServiceID, Advertised string
	// KafkaClusterID is reported by /info (may be empty).
	KafkaClusterID string
}

// Version is the ksqlDB version /info reports: the one whose API this serves.
const Version = "0.29.0"

// API holds the state the endpoints share: running push queries (for
// /close-query) and the statuses of the commands run through /ksql.
type API struct {
	cfg Config

	mu       sync.Mutex
	queries  map[string]context.CancelFunc
	commands map[string]commandStatus
	nextID   int64
}

// New returns the API; Register adds its routes to a mux.
func New(cfg Config) *API {
	return &API{cfg: cfg, queries: map[string]context.CancelFunc{}, commands: map[string]commandStatus{}}
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /info", a.info)
	mux.HandleFunc("GET /healthcheck", a.healthcheck)
	mux.HandleFunc("POST /ksql", a.ksql)
	mux.HandleFunc("POST /query", a.queryV1)
	mux.HandleFunc("POST /query-stream", a.queryStream)
	mux.HandleFunc("POST /close-query", a.closeQuery)
	mux.HandleFunc("POST /inserts-stream", a.insertsStream)
	mux.HandleFunc("GET /status", a.statuses)
	mux.HandleFunc("GET /status/{type}/{entity}/{action}", a.status)
	mux.HandleFunc("GET /clusterStatus", a.clusterStatus)
	mux.HandleFunc("GET /is_valid_property/{name}", a.isValidProperty)
}

// ksqlDB's media types: the API's own, and the streaming endpoint's delimited one.
const (
	mediaKsql      = "application/vnd.ksql.v1+json"
	mediaDelimited = "application/vnd.ksqlapi.delimited.v1"
	mediaJSON      = "application/json"
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is ksqlDB's error entity (KsqlErrorMessage and its statement
// variant).
type errorBody struct {
	Type          string `json:"@type"`
	ErrorCode     int    `json:"error_code"`
	Message       string `json:"message"`
	StatementText string `json:"statementText,omitempty"`
	Entities      []any  `json:"entities,omitempty"`
}

// ksqlDB's error codes: the HTTP status times 100 plus a detail.
const (
	errBadRequest   = 40000
	errBadStatement = 40001
	errQueryOnKsql  = 40002
	errNotFound     = 40400
	// errAssertion is a failed ASSERT TOPIC or ASSERT SCHEMA (HTTP 417).
	errAssertion   = 41700
	errUnavailable = 50300
)

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code/100, errorBody{Type: "generic_error", ErrorCode: code, Message: msg})
}

func (a *API) info(w http.ResponseWriter, _ *http.Request) {
	status := "RUNNING"
	if !a.cfg.Engine.Healthy() {
		status = "TERMINATING"
	}
	writeJSON(w, http.StatusOK, map[string]any{"KsqlServerInfo": map[string]any{
		"version": Version, "kafkaClusterId": a.cfg.KafkaClusterID, "ksqlServiceId": a.cfg.ServiceID, "serverStatus": status,
	}})
}

func (a *API) healthcheck(w http.ResponseWriter, _ *http.Request) {
	ok := a.cfg.Engine.Healthy()
	part := map[string]bool{"isHealthy": ok}
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"isHealthy": ok, "details": map[string]any{
		"metastore": part, "kafka": part, "commandRunner": part,
	}})
}

func (a *API) clusterStatus(w http.ResponseWriter, _ *http.Request) {
	now := time.Now().UnixMilli()
	writeJSON(w, http.StatusOK, map[string]any{"clusterStatus": map[string]any{
		"http://" + a.cfg.Advertised + "/": map[string]any{
			"hostAlive": a.cfg.Engine.Healthy(), "lastStatusUpdateMs": now,
			"activeStandbyPerQuery": map[string]any{},
			"hostStoreLags":         map[string]any{"stateStoreLags": map[string]any{}, "updateTimeMs": now},
		},
	}})
}

func (a *API) isValidProperty(w http.ResponseWriter, r *http.Request) {
	if err := engine.CheckPropertyName(r.PathValue("name")); err != nil {
		writeError(w, errBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, true)
}

// commandStatus is a /ksql command's outcome, for /status.
type commandStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	QueryID string `json:"queryId,omitempty"`
}

func (a *API) statuses(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	out := map[string]string{}
	for id, c := range a.commands {
		out[id] = c.Status
	}
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"commandStatuses": out})
}

func (a *API) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("type") + "/" + r.PathValue("entity") + "/" + r.PathValue("action")
	a.mu.Lock()
	c, ok := a.commands[id]
	a.mu.Unlock()
	if !ok {
		writeError(w, errNotFound, "Command not found: "+id)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// newQueryID names a push or pull query run through the API, for /close-query.
func (a *API) newQueryID(cancel context.CancelFunc) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nextID++
	id := "transient_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_" + strconv.FormatInt(a.nextID, 10)
	a.queries[id] = cancel
	return id
}

func (a *API) endQuery(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.queries, id)
}

func (a *API) closeQuery(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QueryID string `json:"queryId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, errBadRequest, "Invalid JSON in request: "+err.Error())
		return
	}
	a.mu.Lock()
	cancel, ok := a.queries[req.QueryID]
	a.mu.Unlock()
	if !ok {
		writeError(w, errBadRequest, fmt.Sprintf("No query with id %s", req.QueryID))
		return
	}
	cancel()
	w.WriteHeader(http.StatusOK)
}

// session opens an engine session with the request's properties set (scoped
// to the request, as ksqlDB's are).
func (a *API) session(ctx context.Context, props map[string]any) (*engine.Session, error) {
	s := a.cfg.Engine.NewSession(map[string]string{"user": "rest"})
	for k, v := range props {
		val := fmt.Sprint(v)
		if err := s.Execute(ctx, "SET '"+quote(k)+"' = '"+quote(val)+"';", nil, discard{}); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

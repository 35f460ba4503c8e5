package nodes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// RowsPath is where a node serves its peers the rows of its query state.
const RowsPath = "/internal/v1/rows"

// RowsRequest asks a node for the materialized rows of a query in partitions
// it runs: all of them, or the one whose state key is Key.
type RowsRequest struct {
	Query      string  `json:"query"`
	Partitions []int32 `json:"partitions"`
	Key        []byte  `json:"key,omitempty"`
	// Standby allows an answer from a partition the node does not run
	// actively (a standby copy, or the state it kept after the task moved):
	// asked when the active owner is down.
	Standby bool `json:"standby,omitempty"`
	// MaxLag bounds how many changelog records a standby copy may be behind
	// to answer (ksql.query.pull.max.allowed.offset.lag); nil: no bound.
	MaxLag *int64 `json:"max_lag,omitempty"`
}

// Entry is one row of query state as stored: its partition, state key and value.
type Entry struct {
	Partition int32  `json:"p"`
	Key       []byte `json:"k"`
	Value     []byte `json:"v"`
}

// RowsResponse is a node's answer: the entries, or why it cannot answer.
type RowsResponse struct {
	Entries []Entry `json:"entries,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// LocalRows answers a peer's RowsRequest from this node's state.
type LocalRows func(ctx context.Context, req RowsRequest) ([]Entry, error)

// Handler serves RowsPath with local.
func Handler(local LocalRows) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var req RowsRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		var resp RowsResponse
		entries, err := local(r.Context(), req)
		if err != nil {
			resp.Error = err.Error()
		} else {
			resp.Entries = entries
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(resp); err != nil {
			return // the peer went away
		}
	})
}

// Client asks peers for rows.
type Client struct {
	http *http.Client
}

// NewClient returns a client whose requests time out after timeout.
func NewClient(timeout time.Duration) *Client {
	return &Client{http: &http.Client{Timeout: timeout}}
}

// ErrUnreachable wraps failures to reach a peer (as opposed to its answer
// being an error).
var ErrUnreachable = errors.New("node unreachable")

// Rows asks the node at addr for rows.
func (c *Client) Rows(ctx context.Context, addr string, req RowsRequest) ([]Entry, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+RowsPath, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return nil, fmt.Errorf("%w: %s: %s", ErrUnreachable, res.Status, bytes.TrimSpace(msg))
	}
	var resp RowsResponse
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		return nil, fmt.Errorf("%w: reading the answer: %v", ErrUnreachable, err)
	}
	if resp.Error != "" {
		return nil, errors.New(resp.Error)
	}
	return resp.Entries, nil
}

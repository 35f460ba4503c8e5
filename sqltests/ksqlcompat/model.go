package main

import (
	"encoding/json"
)

// Case is one runnable variant of a QTT test case: one entry of the format and
// config matrices, with {FORMAT} substituted.
type Case struct {
	File       string // file name without .json
	Name       string // the case's own name
	FullName   string // ksqlDB's runnable name: "<file> - <name>[ - <FORMAT>][ - <prop>=<value>]"
	Format     string
	Statements []string
	Properties map[string]string
	Inputs     []Record
	Outputs    []Record
	Topics     []Topic
	Expected   *ExpectedException
	Post       *Post
	Disabled   bool
	Rest       *RestSpec // set for the REST QTT files (pull and push queries)
}

// Record is an input or expected output record. Key and Value keep the JSON text
// byte for byte, so number literals keep their scale.
type Record struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Timestamp *int64          `json:"timestamp"`
	Window    *Window         `json:"window"`
	Headers   *[]Header       `json:"headers"`
}

// Window is a record's window: [start, end) for time windows, [start, end] for sessions.
type Window struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Type  string `json:"type"`
}

// Header is a record header; Value is base64, nil for a null value.
type Header struct {
	Key   string  `json:"KEY"`
	Value *string `json:"VALUE"`
}

// Topic is a topic the case pre-creates.
type Topic struct {
	Name          string          `json:"name"`
	Partitions    int             `json:"partitions"`
	KeySchema     json.RawMessage `json:"keySchema"`
	ValueSchema   json.RawMessage `json:"valueSchema"`
	KeySchemaID   json.RawMessage `json:"keySchemaId"`
	ValueSchemaID json.RawMessage `json:"valueSchemaId"`
	// ValueSchemaReferences are the references of ValueSchema (not run yet).
	ValueSchemaReferences json.RawMessage `json:"valueSchemaReferences"`
	KeyFormat             string          `json:"keyFormat"`
	ValueFormat           string          `json:"valueFormat"`
	Format                string          `json:"format"`
}

// ExpectedException makes a case negative: the last statement (or processing) must fail.
type ExpectedException struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Post holds the post-conditions on the catalog.
type Post struct {
	Sources []PostSource `json:"sources"`
}

// PostSource is an expected catalog entry.
type PostSource struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Schema string `json:"schema"`
	// KeyFormat and ValueFormat are a format name or {format, windowType, windowSize}.
	KeyFormat   json.RawMessage `json:"keyFormat"`
	ValueFormat json.RawMessage `json:"valueFormat"`
}

// FormatInfo is a key or value format post-condition.
type FormatInfo struct {
	Format     string `json:"format"`
	WindowType string `json:"windowType"`
	WindowSize *int64 `json:"windowSize"`
}

// parseFormatInfo reads either form; nil when absent.
func parseFormatInfo(raw json.RawMessage) *FormatInfo {
	if isNull(raw) {
		return nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return &FormatInfo{Format: name}
	}
	var fi FormatInfo
	if json.Unmarshal(raw, &fi) != nil {
		return nil
	}
	return &fi
}

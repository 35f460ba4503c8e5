package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// This file is the runner's JSON_SR test serde, as ksqlDB's
// ValueSpecJsonSchemaSerdeSupplier: an input record's JSON is written after
// Confluent's header carrying the id of the subject's latest schema (the one the
// case declared, or the one the CREATE registered); a sink record's header is
// checked, its schema id must be one the registry knows, and the JSON after it is
// the value compared.

// encodeJSONSR writes raw (a test record's key or value) with the subject's latest
// schema id.
func encodeJSONSR(c *srClient, subject string, raw json.RawMessage) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("no schema registry")
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ss, err := c.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return nil, fmt.Errorf("subject %s: %w", subject, err)
	}
	b := []byte{0}
	b = binary.BigEndian.AppendUint32(b, uint32(ss.ID))
	return append(b, raw...), nil
}

// decodeJSONSR reads a sink key or value written in the JSON_SR format.
func decodeJSONSR(c *srClient, b []byte) (any, error) {
	if len(b) < 5 || b[0] != 0 {
		return nil, fmt.Errorf("JSON_SR record without Confluent's header: % x", b)
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	if c != nil {
		ctx, cancel := c.ctx()
		defer cancel()
		if _, err := c.cl.SchemaByID(ctx, id); err != nil {
			return nil, fmt.Errorf("JSON_SR record with schema id %d: %w", id, err)
		}
	}
	return decodeJSON(b[5:])
}

package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file mirrors the test serdes of ksqlDB's suite: how a JSON record of a test
// file becomes bytes on a topic, and how bytes on a sink become comparable values.

// isNull reports a missing or JSON-null field.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// literalText is a JSON value as text: a string's contents, anything else verbatim.
func literalText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// encodeKey serializes an input record's key for the topic's source (src may be nil
// for a topic no source describes: the key is then written as text).
func encodeKey(src *SourceInfo, rec Record) ([]byte, error) {
	if isNull(rec.Key) {
		if rec.Window == nil {
			return nil, nil
		}
	}
	var inner []byte
	var err error
	switch {
	case isNull(rec.Key):
	case src == nil || len(src.keyColumns) == 0:
		inner = []byte(literalText(rec.Key))
	case strings.EqualFold(src.KeyFormat, "AVRO"):
		inner, err = encodeAvro(src.sr, src.Topic+"-key", rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
	case strings.EqualFold(src.KeyFormat, "JSON_SR"):
		inner, err = encodeJSONSR(src.sr, src.Topic+"-key", rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
	case strings.EqualFold(src.KeyFormat, "PROTOBUF"):
		inner, err = encodeProtobuf(src.sr, src.Topic+"-key", rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
	case strings.EqualFold(src.KeyFormat, "PROTOBUF_NOSR"):
		inner, err = encodeProtobufNoSR(src.keyColumns, rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
	default:
		inner, err = encodeFormat(src.KeyFormat, src.keyColumns, rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
	}
	if rec.Window == nil {
		return inner, nil
	}
	inner = binary.BigEndian.AppendUint64(inner, uint64(windowFirst(rec.Window)))
	if strings.EqualFold(rec.Window.Type, "session") {
		inner = binary.BigEndian.AppendUint64(inner, uint64(rec.Window.Start))
	}
	return inner, nil
}

// windowFirst is the first bound after the inner key: a session key stores its end
// first, a time-window key only its start.
func windowFirst(w *Window) int64 {
	if strings.EqualFold(w.Type, "session") {
		return w.End
	}
	return w.Start
}

// encodeValue serializes an input record's value; a null value is a tombstone.
func encodeValue(src *SourceInfo, rec Record) ([]byte, error) {
	if isNull(rec.Value) {
		return nil, nil
	}
	if src == nil {
		return []byte(literalText(rec.Value)), nil
	}
	var b []byte
	var err error
	switch {
	case strings.EqualFold(src.ValueFormat, "AVRO"):
		b, err = encodeAvro(src.sr, src.Topic+"-value", rec.Value)
	case strings.EqualFold(src.ValueFormat, "JSON_SR"):
		b, err = encodeJSONSR(src.sr, src.Topic+"-value", rec.Value)
	case strings.EqualFold(src.ValueFormat, "PROTOBUF"):
		b, err = encodeProtobuf(src.sr, src.Topic+"-value", rec.Value)
	case strings.EqualFold(src.ValueFormat, "PROTOBUF_NOSR"):
		b, err = encodeProtobufNoSR(src.valueColumns, rec.Value)
	default:
		b, err = encodeFormat(src.ValueFormat, src.valueColumns, rec.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return b, nil
}

func encodeFormat(format string, cols []Column, raw json.RawMessage) ([]byte, error) {
	switch strings.ToUpper(format) {
	case "JSON":
		return append([]byte(nil), raw...), nil
	case "DELIMITED":
		return []byte(literalText(raw)), nil
	case "NONE":
		return nil, nil
	case "KAFKA":
		if len(cols) != 1 {
			return []byte(literalText(raw)), nil
		}
		return encodeKafka(cols[0].Type, raw)
	}
	return nil, fmt.Errorf("format %s is not supported by the runner", format)
}

func encodeKafka(typ string, raw json.RawMessage) ([]byte, error) {
	text := literalText(raw)
	switch strings.ToUpper(typ) {
	case "INTEGER", "INT":
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
	case "BIGINT":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
	case "DOUBLE":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case "BYTES":
		return base64.StdEncoding.DecodeString(text)
	}
	return []byte(text), nil
}

// decodedKey is a sink record's key: the inner key value and its window.
type decodedKey struct {
	value  any
	window *Window
}

// decodeKey reads a sink key; windowSize is the time window size from the catalog
// (0 when unknown: fallbackSize, taken from the expected record, is used).
func decodeKey(src *SourceInfo, b []byte, fallbackSize int64) (decodedKey, error) {
	var k decodedKey
	if src != nil && src.WindowType != "" && b != nil {
		if strings.EqualFold(src.WindowType, "SESSION") {
			if len(b) < 16 {
				return k, fmt.Errorf("session key of %d bytes", len(b))
			}
			end := int64(binary.BigEndian.Uint64(b[len(b)-16:]))
			start := int64(binary.BigEndian.Uint64(b[len(b)-8:]))
			k.window = &Window{Start: start, End: end, Type: "session"}
			b = b[:len(b)-16]
		} else {
			if len(b) < 8 {
				return k, fmt.Errorf("windowed key of %d bytes", len(b))
			}
			start := int64(binary.BigEndian.Uint64(b[len(b)-8:]))
			size := src.WindowSizeMs
			if size == 0 {
				size = fallbackSize
			}
			k.window = &Window{Start: start, End: start + size, Type: "time"}
			b = b[:len(b)-8]
		}
	}
	if b == nil {
		return k, nil
	}
	if src == nil || len(src.keyColumns) == 0 {
		k.value = string(b)
		return k, nil
	}
	var v any
	var err error
	switch {
	case strings.EqualFold(src.KeyFormat, "AVRO"):
		v, err = decodeAvro(src.sr, b)
	case strings.EqualFold(src.KeyFormat, "JSON_SR"):
		v, err = decodeJSONSR(src.sr, b)
	case strings.EqualFold(src.KeyFormat, "PROTOBUF"):
		v, err = decodeProtobuf(src.sr, b)
	case strings.EqualFold(src.KeyFormat, "PROTOBUF_NOSR"):
		v, err = decodeProtobufNoSR(src.keyColumns, b)
	default:
		v, err = decodeFormat(src.KeyFormat, src.keyColumns, b)
	}
	k.value = v
	return k, err
}

// decodeValue reads a sink value; nil bytes are a tombstone.
func decodeValue(src *SourceInfo, b []byte) (any, error) {
	if b == nil {
		return nil, nil
	}
	if src == nil {
		return decodeJSON(b)
	}
	if strings.EqualFold(src.ValueFormat, "AVRO") {
		return decodeAvro(src.sr, b)
	}
	if strings.EqualFold(src.ValueFormat, "JSON_SR") {
		return decodeJSONSR(src.sr, b)
	}
	if strings.EqualFold(src.ValueFormat, "PROTOBUF") {
		return decodeProtobuf(src.sr, b)
	}
	if strings.EqualFold(src.ValueFormat, "PROTOBUF_NOSR") {
		return decodeProtobufNoSR(src.valueColumns, b)
	}
	return decodeFormat(src.ValueFormat, src.valueColumns, b)
}

func decodeFormat(format string, cols []Column, b []byte) (any, error) {
	switch strings.ToUpper(format) {
	case "JSON":
		return decodeJSON(b)
	case "DELIMITED":
		return string(b), nil
	case "NONE":
		return nil, nil
	case "KAFKA":
		if len(cols) != 1 {
			return string(b), nil
		}
		return decodeKafka(cols[0].Type, b)
	}
	return nil, fmt.Errorf("format %s is not supported by the runner", format)
}

func decodeKafka(typ string, b []byte) (any, error) {
	switch strings.ToUpper(typ) {
	case "INTEGER", "INT":
		if len(b) != 4 {
			return nil, fmt.Errorf("INTEGER of %d bytes", len(b))
		}
		return json.Number(strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10)), nil
	case "BIGINT":
		if len(b) != 8 {
			return nil, fmt.Errorf("BIGINT of %d bytes", len(b))
		}
		return json.Number(strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)), nil
	case "DOUBLE":
		if len(b) != 8 {
			return nil, fmt.Errorf("DOUBLE of %d bytes", len(b))
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(b))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return javaDouble(f), nil
		}
		return json.Number(javaDouble(f)), nil
	case "BYTES":
		return b, nil
	}
	return string(b), nil
}

package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// Record is one Kafka record as a test writes or reads it.
type Record struct {
	// Partition is the record's partition; -1 on input means "the command's default".
	Partition int32
	// Key and Value are the raw bytes; nil is a null key or a null value (tombstone).
	Key, Value []byte
	// Timestamp is the record timestamp in milliseconds since the epoch.
	Timestamp int64
	// Headers are the record headers, in order.
	Headers []Header
}

// Header is one record header; a nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// ParseRecord parses one record line such as
//
//	partition=1 ts=1000 key=int:7 value={"A": 1, "B": "x y"} headers=h1:v1,h2:hex:00ff
//
// Every field is optional: partition defaults to -1, ts to 0 (so outputs are
// deterministic), key and value to null, headers to none. Value syntax is described
// at parseValue.
func ParseRecord(line string) (Record, error) {
	rec := Record{Partition: -1}
	rest := strings.TrimSpace(line)
	seen := map[string]bool{}
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return Record{}, fmt.Errorf("record %q: expected name=value at %q", line, rest)
		}
		name := rest[:eq]
		if seen[name] {
			return Record{}, fmt.Errorf("record %q: field %s given twice", line, name)
		}
		seen[name] = true
		rest = rest[eq+1:]
		var err error
		switch name {
		case "partition", "ts":
			var tok string
			tok, rest = cutToken(rest, " ")
			if name == "ts" {
				rec.Timestamp, err = strconv.ParseInt(tok, 10, 64)
			} else {
				var p uint64
				p, err = strconv.ParseUint(tok, 10, 31)
				rec.Partition = int32(p)
			}
		case "key":
			rec.Key, rest, err = parseValue(rest, " ")
		case "value":
			rec.Value, rest, err = parseValue(rest, " ")
		case "headers":
			rec.Headers, rest, err = parseHeaders(rest)
		default:
			err = fmt.Errorf("unknown field (want partition, ts, key, value or headers)")
		}
		if err != nil {
			return Record{}, fmt.Errorf("record %q: field %s: %w", line, name, err)
		}
		if rest != "" && rest[0] != ' ' {
			return Record{}, fmt.Errorf("record %q: field %s: unexpected %q after the value", line, name, rest)
		}
		rest = strings.TrimLeft(rest, " ")
	}
	return rec, nil
}

// parseHeaders parses name:value[,name:value...] up to the next space.
func parseHeaders(s string) ([]Header, string, error) {
	var hs []Header
	for {
		colon := strings.IndexByte(s, ':')
		if colon <= 0 || strings.ContainsAny(s[:colon], " ,") {
			return nil, s, fmt.Errorf("expected name:value at %q", s)
		}
		h := Header{Key: s[:colon]}
		var err error
		h.Value, s, err = parseValue(s[colon+1:], " ,")
		if err != nil {
			return nil, s, fmt.Errorf("header %s: %w", h.Key, err)
		}
		hs = append(hs, h)
		if s == "" || s[0] != ',' {
			return hs, s, nil
		}
		s = s[1:]
	}
}

// Format renders the record in the syntax ParseRecord reads. withPartition adds the
// partition field; keyAs and valueAs choose how bytes are shown (see FormatValue).
func (r Record) Format(withPartition bool, keyAs, valueAs Decoding) string {
	var b strings.Builder
	if withPartition {
		fmt.Fprintf(&b, "partition=%d ", r.Partition)
	}
	fmt.Fprintf(&b, "ts=%d key=%s value=%s", r.Timestamp, FormatValue(r.Key, keyAs, " "), FormatValue(r.Value, valueAs, " "))
	for i, h := range r.Headers {
		if i == 0 {
			b.WriteString(" headers=")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(h.Key)
		b.WriteByte(':')
		b.WriteString(FormatValue(h.Value, DecodeAuto, " ,"))
	}
	return b.String()
}

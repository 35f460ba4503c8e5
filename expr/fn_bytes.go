package expr

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluice-db/sluice/types"
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// decodeText turns text in an encoding (hex, utf8, ascii, base64) into bytes.
func decodeText(s, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "hex":
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		if len(s)%2 == 1 {
			s = "0" + s
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, evalErrorf("invalid hex: %s", s)
		}
		return b, nil
	case "utf8", "ascii":
		return []byte(s), nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, evalErrorf("invalid base64: %s", s)
		}
		return b, nil
	}
	return nil, evalErrorf("Supported encodings are: hex, utf8, ascii and base64; got %s", enc)
}

// encodeText renders bytes in an encoding.
func encodeText(b []byte, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "utf8":
		if !utf8.Valid(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		}
		return string(b), nil
	case "ascii":
		out := make([]byte, len(b))
		for i, c := range b {
			if c > 127 {
				c = '?'
			}
			out[i] = c
		}
		return string(out), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return "", evalErrorf("Supported encodings are: hex, utf8, ascii and base64; got %s", enc)
}

func registerBytesFunctions(r *Registry) {
	by := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "BYTES", description: desc, overloads: os})
	}
	by("TO_BYTES", "Converts a string in an encoding (hex, utf8, ascii, base64) to BYTES.",
		sig(tBytes, func(a []any) (any, error) { return decodeText(a[0].(string), a[1].(string)) },
			p("input", tString), p("encoding", tString)))
	by("FROM_BYTES", "Converts BYTES to a string in an encoding (hex, utf8, ascii, base64).",
		sig(tString, func(a []any) (any, error) { return encodeText(a[0].([]byte), a[1].(string)) },
			p("input", tBytes), p("encoding", tString)))
	r.add(&function{name: "ENCODE", category: "STRING", description: "Takes a string encoded as inputEncoding and encodes it as outputEncoding; the encodings are hex, utf8, ascii and base64, and the two must differ.",
		overloads: []*overload{sig(tString, func(a []any) (any, error) {
			return reencode(a[0].(string), a[1].(string), a[2].(string))
		}, p("input", tString), p("inputEncoding", tString), p("outputEncoding", tString))}})
	fromBytes := func(name string, size int, ret *types.Type, conv func([]byte) any) {
		// An unknown byte order, like a wrong length, gives NULL (an evaluation
		// error: NULL and a processing-log entry), as scalar-functions.md says.
		f := func(a []any) (any, error) {
			b := a[0].([]byte)
			if len(a) > 1 {
				switch order := a[1].(string); {
				case strings.EqualFold(order, "LITTLE_ENDIAN"):
					rev := make([]byte, len(b))
					for i := range b {
						rev[i] = b[len(b)-1-i]
					}
					b = rev
				case !strings.EqualFold(order, "BIG_ENDIAN"):
					return nil, evalErrorf("Byte order must be BIG_ENDIAN or LITTLE_ENDIAN, got %s", order)
				}
			}
			if len(b) != size {
				return nil, evalErrorf("Number of bytes must be equal to %d, but found %d", size, len(b))
			}
			return conv(b), nil
		}
		by(name, "Reads a big-endian (or LITTLE_ENDIAN) number from BYTES.",
			sig(ret, f, p("bytes", tBytes)), sig(ret, f, p("bytes", tBytes), p("byteOrder", tString)))
	}
	fromBytes("INT_FROM_BYTES", 4, tInt, func(b []byte) any { return int32(binary.BigEndian.Uint32(b)) })
	fromBytes("BIGINT_FROM_BYTES", 8, tBigInt, func(b []byte) any { return int64(binary.BigEndian.Uint64(b)) })
	fromBytes("DOUBLE_FROM_BYTES", 8, tDouble, func(b []byte) any { return math.Float64frombits(binary.BigEndian.Uint64(b)) })
}

// splitBytes is SPLIT over BYTES: the pieces between occurrences of delim, empty
// pieces included; an empty delimiter splits into single bytes.
func splitBytes(b, delim []byte) []any {
	var parts [][]byte
	if len(delim) == 0 {
		for i := range b {
			parts = append(parts, b[i:i+1])
		}
	} else {
		parts = bytes.Split(b, delim)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = append([]byte{}, p...)
	}
	return out
}

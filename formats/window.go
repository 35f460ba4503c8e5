package formats

import (
	"encoding/binary"

	"github.com/sluice-db/sluice/sqlerr"
)

// Windowed keys use Kafka Streams' layout (WindowKeySchema and SessionKeySchema
// toBinary): the inner key's bytes followed by big-endian window bounds. A time
// window (TUMBLING, HOPPING) carries only its start; the reader adds the size. A
// session window carries its end, then its start.

// EncodeTimeWindowKey appends inner ‖ int64BE(start) to dst.
func EncodeTimeWindowKey(dst, inner []byte, start int64) []byte {
	dst = append(dst, inner...)
	return binary.BigEndian.AppendUint64(dst, uint64(start))
}

// EncodeSessionWindowKey appends inner ‖ int64BE(end) ‖ int64BE(start) to dst.
func EncodeSessionWindowKey(dst, inner []byte, start, end int64) []byte {
	dst = append(dst, inner...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(end))
	return binary.BigEndian.AppendUint64(dst, uint64(start))
}

// DecodeTimeWindowKey splits a time-windowed key. inner aliases data.
func DecodeTimeWindowKey(data []byte) (inner []byte, start int64, err error) {
	n := len(data) - 8
	if n < 0 {
		return nil, 0, windowKeyError("time", len(data), 8)
	}
	return data[:n:n], int64(binary.BigEndian.Uint64(data[n:])), nil
}

// DecodeSessionWindowKey splits a session-windowed key. inner aliases data.
func DecodeSessionWindowKey(data []byte) (inner []byte, start, end int64, err error) {
	n := len(data) - 16
	if n < 0 {
		return nil, 0, 0, windowKeyError("session", len(data), 16)
	}
	end = int64(binary.BigEndian.Uint64(data[n:]))
	start = int64(binary.BigEndian.Uint64(data[n+8:]))
	return data[:n:n], start, end, nil
}

func windowKeyError(kind string, got, want int) error {
	return sqlerr.Newf(sqlerr.InvalidTextRepresentation,
		"%s-windowed key is %d bytes long, shorter than its %d-byte window suffix", kind, got, want)
}

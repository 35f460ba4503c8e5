package server

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"
)

// frameReader reads client messages off the connection. Unlike pgproto3.Backend it
// decodes every message into a fresh value backed by a fresh buffer, so a message
// may be handed to another goroutine and kept (e.g. a Bind's parameters) while the
// next one is read.
type frameReader struct {
	r   *bufio.Reader
	max int
}

func newFrameReader(r io.Reader, maxSize int) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 8192), max: maxSize}
}

// protocolError is a malformed or unexpected message: the connection ends with
// FATAL 08P01.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

func protocolErrorf(format string, args ...any) error {
	return &protocolError{msg: fmt.Sprintf(format, args...)}
}

// Startup packet codes (the first int32 after the length).
const (
	codeCancelRequest uint32 = 80877102
	codeSSLRequest    uint32 = 80877103
	codeGSSENCRequest uint32 = 80877104
	protocolMajor3    uint32 = 3 << 16
)

// readStartup reads one untyped startup-phase packet: a StartupMessage,
// SSLRequest, GSSEncRequest or CancelRequest.
func (f *frameReader) readStartup() (pgproto3.FrontendMessage, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:]))) - 4
	const maxStartupPacket = 10_000 // MAX_STARTUP_PACKET_LENGTH in Postgres
	if n < 4 || n > maxStartupPacket {
		return nil, protocolErrorf("invalid length of startup packet")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(f.r, body); err != nil {
		return nil, err
	}
	var msg pgproto3.FrontendMessage
	code := binary.BigEndian.Uint32(body)
	switch {
	case code == codeSSLRequest:
		msg = &pgproto3.SSLRequest{}
	case code == codeGSSENCRequest:
		msg = &pgproto3.GSSEncRequest{}
	case code == codeCancelRequest:
		msg = &pgproto3.CancelRequest{}
	case code>>16 == 3:
		// Any 3.x: we speak 3.0 and tell newer clients so (see startup.go).
		msg = &pgproto3.StartupMessage{}
		binary.BigEndian.PutUint32(body, pgproto3.ProtocolVersion30)
	default:
		return nil, protocolErrorf("unsupported frontend protocol %d.%d: server supports 3.0", code>>16, code&0xffff)
	}
	if err := msg.Decode(body); err != nil {
		return nil, protocolErrorf("invalid startup packet: %v", err)
	}
	if sm, ok := msg.(*pgproto3.StartupMessage); ok {
		sm.ProtocolVersion = code // what the client asked for
	}
	return msg, nil
}

// readMessage reads one typed message of the normal phase.
func (f *frameReader) readMessage() (pgproto3.FrontendMessage, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[1:]))) - 4
	if n < 0 || n > f.max {
		return nil, protocolErrorf("invalid message length %d", n+4)
	}
	var msg pgproto3.FrontendMessage
	switch hdr[0] {
	case 'Q':
		msg = &pgproto3.Query{}
	case 'P':
		msg = &pgproto3.Parse{}
	case 'B':
		msg = &pgproto3.Bind{}
	case 'D':
		msg = &pgproto3.Describe{}
	case 'E':
		msg = &pgproto3.Execute{}
	case 'C':
		msg = &pgproto3.Close{}
	case 'S':
		msg = &pgproto3.Sync{}
	case 'H':
		msg = &pgproto3.Flush{}
	case 'X':
		msg = &pgproto3.Terminate{}
	case 'F':
		msg = &pgproto3.FunctionCall{}
	case 'd':
		msg = &pgproto3.CopyData{}
	case 'c':
		msg = &pgproto3.CopyDone{}
	case 'f':
		msg = &pgproto3.CopyFail{}
	default:
		return nil, protocolErrorf("invalid frontend message type %d", hdr[0])
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(f.r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if err := msg.Decode(body); err != nil {
		return nil, protocolErrorf("invalid %T message: %v", msg, err)
	}
	return msg, nil
}

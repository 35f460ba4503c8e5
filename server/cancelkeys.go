package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"sync"
)

// cancelKeys maps the BackendKeyData handed to each session to its connection, so
// that a CancelRequest arriving on another connection can find the statement to
// cancel. Keys are random so that other clients cannot guess them.
type cancelKeys struct {
	mu    sync.Mutex
	byPID map[uint32]*conn
}

func newCancelKeys() *cancelKeys { return &cancelKeys{byPID: make(map[uint32]*conn)} }

// register assigns c a fresh process ID and secret (c.pid, c.secret).
func (k *cancelKeys) register(c *conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		var b [8]byte
		rand.Read(b[:])                                    // never fails (crypto/rand contract since Go 1.24)
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff // psql prints it as a signed int
		if _, taken := k.byPID[pid]; pid != 0 && !taken {
			c.pid = pid
			copy(c.secret[:], b[4:])
			k.byPID[pid] = c
			return
		}
	}
}

func (k *cancelKeys) unregister(pid uint32) {
	k.mu.Lock()
	delete(k.byPID, pid)
	k.mu.Unlock()
}

// lookup returns the connection holding (pid, secret), or nil.
func (k *cancelKeys) lookup(pid uint32, secret []byte) *conn {
	k.mu.Lock()
	c := k.byPID[pid]
	k.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret[:], secret) != 1 {
		return nil
	}
	return c
}

func (k *cancelKeys) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.byPID)
}

package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-db/sluice/storage"
)

// State layout in the store. Every key starts with the query id, the store name
// and the input partition, so a partition's state can be found, moved or rebuilt
// on its own:
//
//	q <queryID> 0x00 <store> 0x00 <partition uint32 BE> <store key>
//
// The stores are named in package plan (plan.StoreAgg, ...), where the planner
// lists those a query's tasks own. A partition's checkpoint (plan.StoreCkpt) is
// written in the same batch as the state it describes.

// StatePrefix is the key prefix of one store of one query, for every partition
// when partition < 0.
func StatePrefix(queryID, store string, partition int32) []byte {
	b := make([]byte, 0, len(queryID)+len(store)+8)
	b = append(b, 'q')
	b = append(b, queryID...)
	b = append(b, 0)
	if store == "" {
		return b
	}
	b = append(b, store...)
	b = append(b, 0)
	if partition >= 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(partition))
	}
	return b
}

// checkpoint is what a partition's state reflects: the next input offset and the
// partition's stream time.
type checkpoint struct {
	Offset     int64
	StreamTime int64
}

func (c checkpoint) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.Offset))
	return binary.BigEndian.AppendUint64(b, uint64(c.StreamTime))
}

func decodeCheckpoint(b []byte) (checkpoint, error) {
	if len(b) != 16 {
		return checkpoint{}, fmt.Errorf("checkpoint of %d bytes", len(b))
	}
	return checkpoint{Offset: int64(binary.BigEndian.Uint64(b)), StreamTime: int64(binary.BigEndian.Uint64(b[8:]))}, nil
}

// readCheckpoint returns the local checkpoint of a query's partition.
func readCheckpoint(st *storage.Store, queryID, store string, partition int32) (checkpoint, bool, error) {
	v, ok, err := st.Get(StatePrefix(queryID, store, partition))
	if err != nil || !ok {
		return checkpoint{}, false, err
	}
	c, err := decodeCheckpoint(v)
	return c, err == nil, err
}

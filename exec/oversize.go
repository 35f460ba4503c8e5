package exec

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// MaxRecordBytes bounds the key, value and headers of a record a query writes.
// The producer refuses a batch over 1,000,012 bytes (franz-go's default, as
// Kafka's max.request.size is about 1 MB and the broker's message.max.bytes
// 1,048,588); a record batch's header and the record's own framing take the
// rest. A record over it can never be written: trying again would fail the
// query for ever, at every restart.
const MaxRecordBytes = 1_000_012 - 1024

// recordBytes is the size of a record's payload, as the limit counts it.
func recordBytes(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// dropOversized removes the records over MaxRecordBytes from recs, each with a
// processing log entry naming the query, the topic and the sizes, so that one
// huge result (a 5 MB input through SELECT *, a GROUP BY key of 900 KB) costs
// that record, not the query.
func (q *PersistentQuery) dropOversized(recs []*kgo.Record) []*kgo.Record {
	out := recs[:0]
	for _, r := range recs {
		if n := recordBytes(r); n > MaxRecordBytes {
			q.log.Record(q.ID, fmt.Errorf("a record of %d bytes (key %d, value %d) for topic %s is over the limit of %d bytes and was not written",
				n, len(r.Key), len(r.Value), r.Topic, MaxRecordBytes), r.Topic, r.Partition, -1)
			continue
		}
		out = append(out, r)
	}
	clear(recs[len(out):])
	return out
}

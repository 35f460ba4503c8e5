package exec

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// poll builds a poll of one partition per entry: topic, partition, last stable
// offset, and records at offsets from first on with the given timestamps (ms).
type pollPart struct {
	topic string
	part  int32
	lso   int64
	first int64
	ts    []int64
}

func poll(parts ...pollPart) kgo.Fetches {
	var f kgo.Fetch
	for _, p := range parts {
		fp := kgo.FetchPartition{Partition: p.part, HighWatermark: p.lso, LastStableOffset: p.lso, LogStartOffset: 0}
		for i, ts := range p.ts {
			fp.Records = append(fp.Records, &kgo.Record{Topic: p.topic, Partition: p.part, Offset: p.first + int64(i), Timestamp: time.UnixMilli(ts)})
		}
		f.Topics = append(f.Topics, kgo.FetchTopic{Topic: p.topic, Partitions: []kgo.FetchPartition{fp}})
	}
	return kgo.Fetches{f}
}

func recordList(recs []*kgo.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Topic+"/"+string(rune('0'+r.Partition))+"@"+string(rune('0'+r.Offset)))
	}
	return strings.Join(out, " ")
}

// TestJoinOrderWaitsForUnfetchedInput: a join partition's stream records wait
// while the table's partition has records on the broker that no fetch has
// brought yet (as a Kafka Streams task is not processable then), and are joined
// in timestamp order with them once they come; a partition whose other input is
// read to its end goes on; the wait ends after joinFetchWait.
func TestJoinOrderWaitsForUnfetchedInput(t *testing.T) {
	q := &PersistentQuery{joinTopics: []string{"orders", "districts"}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	j := &joinProcessor{q: q, inputs: map[topicPartition]*joinInput{
		// Resumes at 0 with 2 records readable: known only from the probe.
		{"districts", 1}: {next: 0},
	}}
	now := time.Now()

	// Partition 0's table side comes in the poll; partition 1's does not.
	first := poll(
		pollPart{"orders", 0, 2, 0, []int64{10, 11}},
		pollPart{"districts", 0, 1, 0, []int64{1}},
		pollPart{"orders", 1, 3, 0, []int64{10, 11, 12}},
	)
	out, held := j.order(first, now)
	if got, want := recordList(out), "districts/0@0 orders/0@0 orders/0@1"; got != want {
		t.Errorf("first poll: ordered %q, want %q", got, want)
	}
	if at, ok := held["orders"][1]; !ok || at.Offset != 0 {
		t.Fatalf("first poll: held %v, want orders partition 1 from offset 0", held)
	}
	if n := first.NumRecords(); n != 3 {
		t.Errorf("first poll keeps %d records after the hold, want 3 (the held ones cut)", n)
	}

	// The table's records come with the stream's, read again.
	second := poll(
		pollPart{"orders", 1, 3, 0, []int64{10, 11, 12}},
		pollPart{"districts", 1, 2, 0, []int64{1, 2}},
	)
	out, held = j.order(second, now.Add(100*time.Millisecond))
	if got, want := recordList(out), "districts/1@0 districts/1@1 orders/1@0 orders/1@1 orders/1@2"; got != want || held != nil {
		t.Errorf("second poll: ordered %q held %v, want %q and nothing held", got, held, want)
	}

	// A table partition read to its end does not hold its stream.
	third := poll(pollPart{"orders", 1, 4, 3, []int64{13}})
	if out, held = j.order(third, now.Add(200*time.Millisecond)); recordList(out) != "orders/1@3" || held != nil {
		t.Errorf("third poll: ordered %q held %v, want orders/1@3 and nothing held", recordList(out), held)
	}

	// A table partition that never shows up holds its stream at most
	// joinFetchWait.
	j.inputs[topicPartition{"districts", 2}] = &joinInput{next: 0}
	if _, held = j.order(poll(pollPart{"orders", 2, 1, 0, []int64{10}}), now); held == nil {
		t.Error("a stream record went ahead of its table's unfetched records")
	}
	out, held = j.order(poll(pollPart{"orders", 2, 1, 0, []int64{10}}), now.Add(joinFetchWait))
	if recordList(out) != "orders/2@0" || held != nil {
		t.Errorf("after the wait: ordered %q held %v, want orders/2@0 and nothing held", recordList(out), held)
	}
}

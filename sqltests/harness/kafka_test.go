package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// newTestKafka starts an in-process kfake broker and a client for it.
func newTestKafka(t *testing.T) *Kafka {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	k, err := NewKafka(c.ListenAddrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}

func mustParse(t *testing.T, lines ...string) []Record {
	t.Helper()
	var recs []Record
	for _, l := range lines {
		r, err := ParseRecord(l)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func formatAll(res ConsumeResult) string {
	var b strings.Builder
	for _, r := range res.Records {
		b.WriteString(r.Format(true, DecodeAuto, DecodeAuto))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestProduceConsumeRoundTrip(t *testing.T) {
	k := newTestKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := k.CreateTopic(ctx, "t", 2); err != nil {
		t.Fatal(err)
	}
	if n, err := k.Partitions(ctx, "t"); err != nil || n != 2 {
		t.Fatalf("Partitions(t) = %d, %v; want 2", n, err)
	}
	if _, err := k.Partitions(ctx, "missing"); err == nil {
		t.Fatal("Partitions(missing) succeeded, want an error")
	}
	// Produced interleaved across partitions; read back by partition, then offset.
	in := []string{
		`partition=1 ts=5 key=b value={"V": "x y"}`,
		`partition=0 ts=1 key=a value=1,2 headers=h:v,n:null`,
		`partition=1 ts=6 key=null value=null`,
		`partition=0 ts=2 key=int:7 value=hex:00ff`,
	}
	if err := k.Produce(ctx, "t", mustParse(t, in...)); err != nil {
		t.Fatal(err)
	}
	res, err := k.Consume(ctx, "t", 4, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	want := in[1] + "\n" + "partition=0 ts=2 key=hex:00000007 value=hex:00ff\n" + in[0] + "\n" + in[2] + "\n"
	if got := formatAll(res); got != want || res.TimedOut {
		t.Fatalf("consumed (timed out %v):\n%s\nwant:\n%s", res.TimedOut, got, want)
	}
}

// TestConsumeShowsExtraRecords checks that records beyond the wanted count are
// reported, not silently ignored: a sink with a duplicate must fail a test.
func TestConsumeShowsExtraRecords(t *testing.T) {
	k := newTestKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := k.CreateTopic(ctx, "t", 1); err != nil {
		t.Fatal(err)
	}
	if err := k.Produce(ctx, "t", mustParse(t, "value=1", "value=2", "value=3")); err != nil {
		t.Fatal(err)
	}
	res, err := k.Consume(ctx, "t", 2, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 3 || res.TimedOut {
		t.Fatalf("got %d records (timed out %v), want all 3", len(res.Records), res.TimedOut)
	}
	// Without a count, Consume stops once the topic has been quiet for the settle time.
	res, err = k.Consume(ctx, "t", -1, 300*time.Millisecond)
	if err != nil || len(res.Records) != 3 {
		t.Fatalf("Consume(all) = %d records, %v; want 3", len(res.Records), err)
	}
}

func TestConsumeTimesOut(t *testing.T) {
	k := newTestKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := k.CreateTopic(ctx, "t", 1); err != nil {
		t.Fatal(err)
	}
	if err := k.Produce(ctx, "t", mustParse(t, "value=1")); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	res, err := k.Consume(short, "t", 2, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || len(res.Records) != 1 {
		t.Fatalf("got %d records, timed out %v; want 1 record and a timeout", len(res.Records), res.TimedOut)
	}
	// A topic that never appears is a timeout too, not an error.
	short2, cancel2 := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel2()
	res, err = k.Consume(short2, "never", 1, 100*time.Millisecond)
	if err != nil || !res.TimedOut {
		t.Fatalf("Consume(never) = %+v, %v; want a timeout", res, err)
	}
}

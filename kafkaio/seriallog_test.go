package kafkaio

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSerialLogAppendAt: an append decided at the log's end lands; one decided at
// an end another writer has moved past is aborted with ErrAppendRace, and no
// read_committed reader ever sees it.
func TestSerialLogAppendAt(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, "log", 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	open := func(id string) *SerialLog {
		l, err := OpenSerialLog(ctx, c, "log", id, func(err error) { t.Fatalf("no transactions: %v", err) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		if !l.Serialized() {
			t.Fatal("appends are not conditional")
		}
		return l
	}
	a, b := open("a"), open("b")
	end, err := a.End(ctx)
	if err != nil || end != 0 {
		t.Fatalf("end of an empty log: %d, %v", end, err)
	}
	if off, err := a.AppendAt(ctx, end, &kgo.Record{Value: []byte("a1")}, &kgo.Record{Value: []byte("a2")}); err != nil || off != 1 {
		t.Fatalf("append at the end: offset %d, %v", off, err)
	}
	// b decided at the old end: too late.
	if _, err := b.AppendAt(ctx, end, &kgo.Record{Value: []byte("b1")}); !errors.Is(err, ErrAppendRace) {
		t.Fatalf("append at a stale end: %v", err)
	}
	end, err = b.End(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Records at 0 and 1, a commit marker at 2, b's aborted record and its marker.
	if end != 5 {
		t.Fatalf("end after one commit and one abort: %d", end)
	}
	if _, err := b.AppendAt(ctx, end, &kgo.Record{Value: []byte("b2")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 3 {
		fs := b.Reader().PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %q", got)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if !r.Attrs.IsControl() {
				got = append(got, string(r.Value))
			}
		})
	}
	if want := "a1 a2 b2"; got[0]+" "+got[1]+" "+got[2] != want {
		t.Fatalf("read %q, want %s", got, want)
	}
}

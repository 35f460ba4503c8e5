package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The baselines run in a child process each (`sluice-bench baseline -kind K`), so
// their CPU seconds come from the kernel's accounting of that process alone, the
// way the engine's do:
//
//	B0  franz-go consumption of the whole topic, records discarded;
//	B1  B0 plus encoding/json decoding of every value into the Event struct;
//	P0  Pebble batched Set, 1000 per batch, NoSync, 16-byte keys in random order,
//	    100-byte values half random (DEPENDENCIES.md §4's shape).

// baselineReport is what a baseline child prints on stdout.
type baselineReport struct {
	Records int64   `json:"records"`
	Seconds float64 `json:"seconds"`
}

func baselineMain(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	kind := fs.String("kind", "", "B0, B1 or P0")
	broker := fs.String("broker", "", "bootstrap address (B0, B1)")
	topic := fs.String("topic", "", "topic to read (B0, B1)")
	count := fs.Int64("count", 0, "records to read (B0, B1) or keys to write (P0)")
	dir := fs.String("dir", "", "Pebble directory (P0)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	var n int64
	var err error
	switch *kind {
	case "B0", "B1":
		n, err = consumeBaseline(ctx, *broker, *topic, *count, *kind == "B1")
	case "P0":
		n, err = pebbleBaseline(*dir, *count)
	default:
		err = fmt.Errorf("unknown baseline %q", *kind)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(baselineReport{Records: n, Seconds: time.Since(start).Seconds()})
}

func consumeBaseline(ctx context.Context, broker, topic string, count int64, decode bool) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var n, bids int64
	for n < count {
		fs := cl.PollRecords(ctx, 5000)
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if errs := fs.Errors(); len(errs) > 0 {
			return n, errs[0].Err
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			n++
			if decode {
				var e Event
				if err := json.Unmarshal(r.Value, &e); err != nil {
					return n, fmt.Errorf("decode offset %d: %w", r.Offset, err)
				}
				if e.Bid != nil {
					bids++
				}
			}
		}
	}
	if decode && bids == 0 {
		return n, fmt.Errorf("decoded no bids")
	}
	return n, nil
}

type quietPebbleLogger struct{}

func (quietPebbleLogger) Infof(string, ...any)  {}
func (quietPebbleLogger) Errorf(string, ...any) {}
func (quietPebbleLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func pebbleBaseline(dir string, count int64) (int64, error) {
	cache := pebble.NewCache(128 << 20)
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{Cache: cache, FormatMajorVersion: pebble.FormatNewest, Logger: quietPebbleLogger{}})
	if err != nil {
		return 0, err
	}
	r := newRNG(1)
	key := make([]byte, 16)
	val := make([]byte, 100)
	for i := 50; i < len(val); i++ {
		val[i] = 'x'
	}
	b := db.NewBatch()
	for i := int64(0); i < count; i++ {
		binary.BigEndian.PutUint64(key, r.next())
		binary.BigEndian.PutUint64(key[8:], uint64(i))
		for j := 0; j < 50; j += 8 {
			binary.LittleEndian.PutUint64(val[j:], r.next())
		}
		if err := b.Set(key, val[:100], nil); err != nil {
			return i, err
		}
		if b.Count() == 1000 {
			if err := b.Commit(pebble.NoSync); err != nil {
				return i, err
			}
			b.Reset()
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return count, err
	}
	return count, db.Close()
}

package script

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/sluice-db/sluice/sqltests/harness"
)

const (
	defaultConsumeTimeout = 10 * time.Second
	// defaultSettle is how long consume keeps reading after the wanted count, so that
	// a duplicate or an unexpected extra record fails the script.
	defaultSettle = 500 * time.Millisecond
)

// produce writes one record per input line to topic=T, to partition=N (default 0)
// unless a line names its own partition. Blank lines and lines starting with # are
// skipped. It prints nothing.
func (r *runner) produce(t *testing.T, d *datadriven.TestData) string {
	var topic string
	d.ScanArgs(t, "topic", &topic)
	partition := 0
	d.MaybeScanArgs(t, "partition", &partition)
	var recs []harness.Record
	for i, line := range strings.Split(d.Input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rec, err := harness.ParseRecord(line)
		if err != nil {
			d.Fatalf(t, "input line %d: %v", i+1, err)
		}
		if rec.Partition < 0 {
			rec.Partition = int32(partition)
		}
		recs = append(recs, rec)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.kafka.Produce(ctx, topic, recs); err != nil {
		return err.Error() + "\n"
	}
	return ""
}

// consume reads topic=T from the beginning and prints its records (see README).
// Options: count=N (stop after N records, then settle), timeout=, settle=,
// key-format= and value-format= (string, int, bigint, double, hex), and sort (print
// the records in sorted order, for topics with several writers whose interleaving is
// not defined).
func (r *runner) consume(t *testing.T, d *datadriven.TestData) string {
	var topic string
	d.ScanArgs(t, "topic", &topic)
	count := -1
	d.MaybeScanArgs(t, "count", &count)
	timeout := durationArg(t, d, "timeout", defaultConsumeTimeout)
	settle := durationArg(t, d, "settle", defaultSettle)
	keyAs := decodingArg(t, d, "key-format")
	valueAs := decodingArg(t, d, "value-format")

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := r.kafka.Consume(ctx, topic, count, settle)
	if err != nil {
		return err.Error() + "\n"
	}
	// The partition is printed only for multi-partition topics, where it carries
	// information (keys spread by hash); single-partition output stays short.
	pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer pcancel()
	nparts, _ := r.kafka.Partitions(pctx, topic)
	lines := make([]string, len(res.Records))
	for i, rec := range res.Records {
		lines[i] = rec.Format(nparts > 1, keyAs, valueAs)
	}
	if d.HasArg("sort") {
		sort.Strings(lines)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if res.TimedOut {
		fmt.Fprintf(&b, "# timed out after %s: %d of %d records\n", timeout, len(res.Records), count)
	}
	return b.String()
}

// createTopic creates topic=T with partitions=N (default 1), as an outside tool would
// before a CREATE STREAM over an existing topic.
func (r *runner) createTopic(t *testing.T, d *datadriven.TestData) string {
	var topic string
	d.ScanArgs(t, "topic", &topic)
	partitions := 1
	d.MaybeScanArgs(t, "partitions", &partitions)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.kafka.CreateTopic(ctx, topic, int32(partitions)); err != nil {
		return err.Error() + "\n"
	}
	return ""
}

func decodingArg(t *testing.T, d *datadriven.TestData, key string) harness.Decoding {
	if !d.HasArg(key) {
		return harness.DecodeAuto
	}
	var s string
	d.ScanArgs(t, key, &s)
	dec, err := harness.ParseDecoding(s)
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return dec
}

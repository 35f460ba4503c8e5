package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// print streams a topic's raw records as text lines, like ksqlDB's PRINT: from the
// end (or the beginning), every INTERVAL-th record, until LIMIT or cancellation.
func (s *Session) print(ctx context.Context, st *parser.Print, w ResultWriter) error {
	e := s.engine
	_, pos := st.Source()
	if err := e.checkTopicUse(st.Topic, pos, readTopic); err != nil {
		return err
	}
	if _, err := e.cluster.DescribeTopic(ctx, st.Topic); err != nil {
		if errors.Is(err, kafkaio.ErrTopicNotFound) {
			return sqlerr.Newf(sqlerr.UndefinedObject, "Could not find topic '%s', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.", st.Topic).WithPosition(pos)
		}
		return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe topic")
	}
	reset := kgo.NewOffset().AtEnd()
	if st.FromBeginning {
		reset = kgo.NewOffset().AtStart()
	}
	cl, err := e.cluster.NewClient(kgo.ConsumeTopics(st.Topic), kgo.ConsumeResetOffset(reset), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := w.Columns([]types.Column{{Name: "Record", Type: types.StringType}}); err != nil {
		return err
	}
	interval := st.Interval
	if interval <= 0 {
		interval = 1
	}
	var seen, printed int64
	limit := st.Limit
	for limit < 0 || printed < limit {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var werr error
		fetches.EachRecord(func(rec *kgo.Record) {
			if werr != nil || (limit >= 0 && printed >= limit) {
				return
			}
			seen++
			if (seen-1)%interval != 0 {
				return
			}
			printed++
			werr = w.Row([]any{formatRecord(rec)})
		})
		if werr != nil {
			return werr
		}
	}
	return w.Complete("PRINT " + strconv.FormatInt(printed, 10))
}

func formatRecord(rec *kgo.Record) string {
	line := fmt.Sprintf("rowtime: %s, key: %s, value: %s, partition: %d",
		rec.Timestamp.UTC().Format("2006/01/02 15:04:05.000 Z"), printable(rec.Key), printable(rec.Value), rec.Partition)
	if len(rec.Headers) > 0 {
		line += ", headers: ["
		for i, h := range rec.Headers {
			if i > 0 {
				line += ", "
			}
			line += h.Key + "=" + printable(h.Value)
		}
		line += "]"
	}
	return line
}

// printable shows bytes as text when they are valid UTF-8 without control
// characters, and as hex otherwise (KAFKA-format numbers are binary).
func printable(b []byte) string {
	if b == nil {
		return "<null>"
	}
	if utf8.Valid(b) {
		ok := true
		for _, r := range string(b) {
			if r < 0x20 && r != '\t' {
				ok = false
				break
			}
		}
		if ok {
			return string(b)
		}
	}
	return fmt.Sprintf("0x%x", b)
}

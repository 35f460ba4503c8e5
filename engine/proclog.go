package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/types"
)

// ProcessingLogName is the stream through which users query per-record failures.
const ProcessingLogName = "KSQL_PROCESSING_LOG"

// Message types of the processing log, as ksqlDB numbers them.
const (
	msgDeserializationError  = 0
	msgRecordProcessingError = 1
)

// processingLogColumns is ksqlDB's processing-log schema (the parts Sluice fills):
// LOGGER, LEVEL, TIME and a MESSAGE struct whose TYPE says which error struct is set.
var processingLogColumns = []types.Column{
	{Name: "LOGGER", Type: types.StringType},
	{Name: "LEVEL", Type: types.StringType},
	{Name: "TIME", Type: types.BigIntType},
	{Name: "MESSAGE", Type: types.NewStruct(
		types.Field{Name: "TYPE", Type: types.IntType},
		types.Field{Name: "DESERIALIZATIONERROR", Type: types.NewStruct(
			types.Field{Name: "TARGET", Type: types.StringType},
			types.Field{Name: "ERRORMESSAGE", Type: types.StringType},
			types.Field{Name: "RECORDB64", Type: types.StringType},
			types.Field{Name: "CAUSE", Type: types.NewArray(types.StringType)},
			types.Field{Name: "topic", Type: types.StringType},
		)},
		types.Field{Name: "RECORDPROCESSINGERROR", Type: types.NewStruct(
			types.Field{Name: "ERRORMESSAGE", Type: types.StringType},
			types.Field{Name: "RECORD", Type: types.StringType},
			types.Field{Name: "CAUSE", Type: types.NewArray(types.StringType)},
		)},
	)},
}

// processingLog writes per-record failures to a topic that the KSQL_PROCESSING_LOG
// stream reads, and to the server log.
type processingLog struct {
	topic  string
	client *kgo.Client
	logger *slog.Logger
	codec  formats.Codec
}

func newProcessingLog(ctx context.Context, cluster *kafkaio.Cluster, topic string, logger *slog.Logger) (*processingLog, error) {
	if err := cluster.CreateTopic(ctx, topic, 1, 1, nil); err != nil {
		return nil, err
	}
	codec, err := formats.NewCodec("JSON", processingLogColumns, formats.Options{})
	if err != nil {
		return nil, err
	}
	return &processingLog{topic: topic, client: cluster.Producer(), logger: logger, codec: codec}, nil
}

func (l *processingLog) source() *catalog.Source {
	return &catalog.Source{
		Name: ProcessingLogName, Kind: catalog.Stream, Columns: processingLogColumns, Topic: l.topic,
		KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1, Replicas: 1, Builtin: true,
		SQL: "(built in: per-record processing errors)",
	}
}

// Record implements exec.ProcessingLog. Writing is asynchronous: a failure to log
// must never stall or fail the query that hit the bad record.
func (l *processingLog) Record(queryID string, err error, topic string, partition int32, offset int64) {
	l.logger.Warn("processing error", "query", queryID, "topic", topic, "partition", partition, "offset", offset, "err", err)
	var message types.Struct
	var de *exec.DeserializationError
	if errors.As(err, &de) {
		message = types.Struct{int32(msgDeserializationError),
			types.Struct{de.Target, truncateText(de.Err.Error()), base64.StdEncoding.EncodeToString(truncateBytes(de.Record)), []any{}, topic},
			nil}
	} else {
		where := fmt.Sprintf("%s-%d@%d", topic, partition, offset)
		message = types.Struct{int32(msgRecordProcessingError), nil,
			types.Struct{truncateText(err.Error()), where, []any{}}}
	}
	row := []any{"processing." + queryID, "ERROR", time.Now().UnixMilli(), message}
	value, eerr := l.codec.Encode(nil, row)
	if eerr != nil {
		l.logger.Error("encode processing log entry", "err", eerr)
		return
	}
	l.client.Produce(context.Background(), &kgo.Record{Topic: l.topic, Value: value}, func(_ *kgo.Record, perr error) {
		if perr != nil {
			l.logger.Error("write processing log", "err", perr)
		}
	})
}

// An entry keeps at most maxLoggedRecord bytes of the record and
// maxLoggedMessage of the error message: an entry must fit in a Kafka record
// however large the record it reports (a 5 MB input that failed to decode
// would otherwise make an entry too large to write, and be lost).
const (
	maxLoggedRecord  = 64 << 10
	maxLoggedMessage = 8 << 10
)

func truncateBytes(b []byte) []byte {
	if len(b) > maxLoggedRecord {
		return b[:maxLoggedRecord]
	}
	return b
}

func truncateText(s string) string {
	if len(s) <= maxLoggedMessage {
		return s
	}
	cut := maxLoggedMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes in all)", s[:cut], len(s))
}

func (l *processingLog) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.client.Flush(ctx)
}

package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/types"
)

// ProcessingLogName is the stream through which users query per-record failures.
const ProcessingLogName = "KSQL_PROCESSING_LOG"

// processingLog writes per-record failures to a topic that the KSQL_PROCESSING_LOG
// stream reads, and to the server log.
type processingLog struct {
	topic  string
	client *kgo.Client
	logger *slog.Logger
}

func newProcessingLog(ctx context.Context, cluster *kafkaio.Cluster, topic string, logger *slog.Logger) (*processingLog, error) {
	if err := cluster.CreateTopic(ctx, topic, 1, 1, nil); err != nil {
		return nil, err
	}
	return &processingLog{topic: topic, client: cluster.Producer(), logger: logger}, nil
}

// processingLogEntry is the JSON value of one processing-log record; its fields are
// the stream's columns.
type processingLogEntry struct {
	Logger          string `json:"LOGGER"`
	Level           string `json:"LEVEL"`
	Time            int64  `json:"TIME"`
	QueryID         string `json:"QUERY_ID"`
	Message         string `json:"MESSAGE"`
	SourceTopic     string `json:"SOURCE_TOPIC"`
	SourcePartition int32  `json:"SOURCE_PARTITION"`
	SourceOffset    int64  `json:"SOURCE_OFFSET"`
}

func (l *processingLog) source() *catalog.Source {
	cols := []types.Column{
		{Name: "LOGGER", Type: types.StringType},
		{Name: "LEVEL", Type: types.StringType},
		{Name: "TIME", Type: types.BigIntType},
		{Name: "QUERY_ID", Type: types.StringType},
		{Name: "MESSAGE", Type: types.StringType},
		{Name: "SOURCE_TOPIC", Type: types.StringType},
		{Name: "SOURCE_PARTITION", Type: types.IntType},
		{Name: "SOURCE_OFFSET", Type: types.BigIntType},
	}
	return &catalog.Source{
		Name: ProcessingLogName, Kind: catalog.Stream, Columns: cols, Topic: l.topic,
		KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 1, Replicas: 1, Builtin: true,
		SQL: "(built in: per-record processing errors)",
	}
}

// Record implements exec.ProcessingLog. Writing is asynchronous: a failure to log
// must never stall or fail the query that hit the bad record.
func (l *processingLog) Record(queryID string, err error, topic string, partition int32, offset int64) {
	l.logger.Warn("processing error", "query", queryID, "topic", topic, "partition", partition, "offset", offset, "err", err)
	entry := processingLogEntry{
		Logger: "processing." + queryID, Level: "ERROR", Time: time.Now().UnixMilli(), QueryID: queryID,
		Message: err.Error(), SourceTopic: topic, SourcePartition: partition, SourceOffset: offset,
	}
	value, merr := json.Marshal(entry)
	if merr != nil {
		return
	}
	l.client.Produce(context.Background(), &kgo.Record{Topic: l.topic, Value: value}, func(_ *kgo.Record, perr error) {
		if perr != nil {
			l.logger.Error("write processing log", "err", perr)
		}
	})
}

func (l *processingLog) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.client.Flush(ctx)
}

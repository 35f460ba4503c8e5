package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Cluster is a handle on the Kafka cluster the engine runs against. It owns one
// shared client for administration and producing; consumers get their own clients
// from NewClient because group membership is per client.
type Cluster struct {
	brokers []string
	logger  *slog.Logger
	shared  *kgo.Client
	admin   *kadm.Client
	// extra are options every client gets (metrics hooks).
	extra []kgo.Opt
}

// Connect creates the shared client. It does not wait for the brokers to answer.
// extra are options every client of the cluster gets (kgo.WithHooks for metrics).
func Connect(brokers []string, logger *slog.Logger, extra ...kgo.Opt) (*Cluster, error) {
	c := &Cluster{brokers: brokers, logger: logger, extra: extra}
	cl, err := c.NewClient(kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		return nil, err
	}
	c.shared = cl
	c.admin = kadm.NewClient(cl)
	return c, nil
}

// NewClient returns a new client with the project's defaults plus opts.
func (c *Cluster) NewClient(opts ...kgo.Opt) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append(c.baseOpts(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// NewTransactSession makes a consumer-group member whose produced records and
// consumed offsets commit together in Kafka transactions (exactly-once).
func (c *Cluster) NewTransactSession(opts ...kgo.Opt) (*kgo.GroupTransactSession, error) {
	s, err := kgo.NewGroupTransactSession(append(c.baseOpts(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka transactional client: %w", err)
	}
	return s, nil
}

func (c *Cluster) baseOpts() []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), // murmur2 on the key, like Kafka's Java producer
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.MetadataMinAge(250 * time.Millisecond),
	}, c.extra...)
}

// Producer returns the shared client, used for INSERT VALUES, the command topic
// and the processing log.
func (c *Cluster) Producer() *kgo.Client { return c.shared }

// Close closes the shared client.
func (c *Cluster) Close() { c.shared.Close() }

// TopicInfo describes one topic.
type TopicInfo struct {
	Name       string
	Partitions int
	Replicas   int
}

// ErrTopicNotFound is returned by DescribeTopic for a missing topic.
var ErrTopicNotFound = errors.New("topic does not exist")

// DescribeTopic returns a topic's partition count, or ErrTopicNotFound.
func (c *Cluster) DescribeTopic(ctx context.Context, name string) (TopicInfo, error) {
	// A direct metadata request: kadm's ListTopics answers from the client's
	// metadata cache (MetadataMinAge), which keeps a topic missing for a while
	// after it is created, even when this client created it.
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(name)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.shared)
	if err != nil {
		return TopicInfo{}, fmt.Errorf("describe topic %s: %w", name, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != name {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); errors.Is(err, kerr.UnknownTopicOrPartition) {
			return TopicInfo{}, ErrTopicNotFound
		} else if err != nil {
			return TopicInfo{}, fmt.Errorf("describe topic %s: %w", name, err)
		}
		ti := TopicInfo{Name: name, Partitions: len(t.Partitions)}
		for _, p := range t.Partitions {
			ti.Replicas = len(p.Replicas)
			break
		}
		return ti, nil
	}
	return TopicInfo{}, ErrTopicNotFound
}

func topicInfo(td kadm.TopicDetail) TopicInfo {
	ti := TopicInfo{Name: td.Topic, Partitions: len(td.Partitions)}
	for _, p := range td.Partitions {
		ti.Replicas = len(p.Replicas)
		break
	}
	return ti
}

// ListTopics returns all topics, sorted by name; internal topics (starting with '_')
// only when all is set.
func (c *Cluster) ListTopics(ctx context.Context, all bool) ([]TopicInfo, error) {
	tds, err := c.admin.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var out []TopicInfo
	for _, td := range tds {
		if !all && (td.IsInternal || (len(td.Topic) > 0 && td.Topic[0] == '_')) {
			continue
		}
		out = append(out, topicInfo(td))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateTopic creates a topic; it succeeds when the topic already exists with the
// same partition count.
func (c *Cluster) CreateTopic(ctx context.Context, name string, partitions, replicas int, configs map[string]*string) error {
	resp, err := c.admin.CreateTopic(ctx, int32(partitions), int16(replicas), configs, name)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		ti, derr := c.DescribeTopic(ctx, name)
		if derr != nil {
			return derr
		}
		if ti.Partitions != partitions {
			return fmt.Errorf("topic %s already exists with %d partitions, not %d", name, ti.Partitions, partitions)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

// DeleteTopic deletes a topic.
func (c *Cluster) DeleteTopic(ctx context.Context, name string) error {
	resp, err := c.admin.DeleteTopic(ctx, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return nil
}

// DeleteEmptyGroups deletes the consumer groups whose names match and that
// have no members; a group in use (NON_EMPTY_GROUP) is left. It returns the
// groups deleted.
func (c *Cluster) DeleteEmptyGroups(ctx context.Context, match func(group string) bool) ([]string, error) {
	listed, err := c.admin.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	var names []string
	for _, g := range listed.Groups() {
		if match(g) {
			names = append(names, g)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	resps, err := c.admin.DeleteGroups(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("delete groups: %w", err)
	}
	var deleted []string
	for _, r := range resps.Sorted() {
		switch {
		case r.Err == nil:
			deleted = append(deleted, r.Group)
		case errors.Is(r.Err, kerr.NonEmptyGroup), errors.Is(r.Err, kerr.GroupIDNotFound):
		default:
			return deleted, fmt.Errorf("delete group %s: %w", r.Group, r.Err)
		}
	}
	return deleted, nil
}

// retryUnknownTopic runs fn again while it fails with UNKNOWN_TOPIC_OR_PARTITION,
// for up to two seconds: offsets are listed through the client's metadata, which
// may be up to MetadataMinAge older than a topic created a moment ago (a pull
// query over a CSAS sink right after the CSAS). A topic that stays unknown still
// fails.
func retryUnknownTopic[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		v, err := fn()
		if err == nil || !errors.Is(err, kerr.UnknownTopicOrPartition) || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// EndOffsets returns the next offset to be written per partition.
func (c *Cluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return retryUnknownTopic(ctx, func() (map[int32]int64, error) { return c.endOffsets(ctx, topic) })
}

func (c *Cluster) endOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	offs, err := c.admin.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	var ferr error
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			ferr = o.Err
			return
		}
		out[o.Partition] = o.Offset
	})
	if ferr != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, ferr)
	}
	return out, nil
}

// GroupLag returns the total lag of a consumer group over its committed partitions.
func (c *Cluster) GroupLag(ctx context.Context, group string) (int64, error) {
	lags, err := c.admin.Lag(ctx, group)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, gl := range lags {
		if gl.Error() != nil {
			return 0, gl.Error()
		}
		total += gl.Lag.Total()
	}
	return total, nil
}

// PartitionRange is a partition's first and next-to-write offsets.
type PartitionRange struct {
	Start, End int64
}

// Ranges returns the start and end offsets of every partition of topics, keyed by
// topic then partition, in two requests however many topics there are.
func (c *Cluster) Ranges(ctx context.Context, topics ...string) (map[string]map[int32]PartitionRange, error) {
	return retryUnknownTopic(ctx, func() (map[string]map[int32]PartitionRange, error) { return c.ranges(ctx, topics...) })
}

func (c *Cluster) ranges(ctx context.Context, topics ...string) (map[string]map[int32]PartitionRange, error) {
	ends, err := c.admin.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("end offsets: %w", err)
	}
	starts, err := c.admin.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("start offsets: %w", err)
	}
	out := map[string]map[int32]PartitionRange{}
	var ferr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			ferr = fmt.Errorf("end offsets of %s: %w", o.Topic, o.Err)
			return
		}
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]PartitionRange{}
		}
		out[o.Topic][o.Partition] = PartitionRange{End: o.Offset}
	})
	starts.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			ferr = fmt.Errorf("start offsets of %s: %w", o.Topic, o.Err)
			return
		}
		if r, ok := out[o.Topic][o.Partition]; ok {
			r.Start = o.Offset
			out[o.Topic][o.Partition] = r
		}
	})
	return out, ferr
}

// CheckTransactions returns an error naming what is missing when a broker of
// the cluster does not support transactions.
func (c *Cluster) CheckTransactions(ctx context.Context) error {
	// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit.
	transactionAPIs := []int16{22, 24, 25, 26, 28}
	vs, err := kadm.NewClient(c.shared).ApiVersions(ctx)
	if err != nil {
		return fmt.Errorf("ask the brokers which APIs they support: %w", err)
	}
	for _, v := range vs.Sorted() {
		if v.Err != nil {
			return fmt.Errorf("broker %d: %w", v.NodeID, v.Err)
		}
		for _, key := range transactionAPIs {
			if _, ok := v.KeyMaxVersion(key); !ok {
				return fmt.Errorf("broker %d does not support Kafka transactions (API key %d missing)", v.NodeID, key)
			}
		}
	}
	return nil
}

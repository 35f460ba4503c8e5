// Package nodes is how the nodes of one Sluice service know each other: each
// announces itself (id, the address its peers reach it at) on a compacted
// internal topic every second and follows the others' announcements there, and
// nodes read each other's query state over HTTP (Client, Handler). Which node
// runs which task is the consumer groups' business, not this package's.
package nodes

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka is what the registry needs of the Kafka cluster.
type Kafka interface {
	NewClient(opts ...kgo.Opt) (*kgo.Client, error)
	CreateTopic(ctx context.Context, name string, partitions, replicas int, configs map[string]*string) error
}

// Node names a node and the HTTP address its peers reach it at.
type Node struct {
	ID   string `json:"node_id"`
	Addr string `json:"addr"`
}

// Status is a node as this node last heard of it.
type Status struct {
	Node
	// Self is this node.
	Self bool
	// Alive: an announcement came within the liveness timeout and the node
	// did not say it stopped.
	Alive bool
	// Started is when the node started (its own clock); LastSeen when this
	// node last heard from it (this node's clock, so skew does not matter).
	Started, LastSeen time.Time
}

// announcement is a record of the nodes topic, keyed by node id.
type announcement struct {
	Node
	Started time.Time `json:"started"`
	Stopped bool      `json:"stopped,omitempty"`
}

// Registry announces this node and follows the others.
type Registry struct {
	topic    string
	self     announcement
	interval time.Duration
	timeout  time.Duration
	logger   *slog.Logger
	cl       *kgo.Client

	mu    sync.Mutex
	peers map[string]*peer

	stop context.CancelFunc
	done chan struct{}
}

type peer struct {
	ann      announcement
	lastSeen time.Time
	alive    bool
}

// Options configures a registry.
type Options struct {
	// Interval between announcements (default 1 s); a node not heard from for
	// Timeout (default 5 intervals) is down.
	Interval, Timeout time.Duration
}

// Start creates the nodes topic if needed, announces self and follows the
// topic from its start (compacted: one record per node that ever ran).
func Start(ctx context.Context, kafka Kafka, topic string, self Node, opts Options, logger *slog.Logger) (*Registry, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * opts.Interval
	}
	compact := "compact"
	if err := kafka.CreateTopic(ctx, topic, 1, 1, map[string]*string{"cleanup.policy": &compact}); err != nil {
		return nil, err
	}
	cl, err := kafka.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(0),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(context.Background())
	r := &Registry{
		topic: topic, self: announcement{Node: self, Started: time.Now().UTC()},
		interval: opts.Interval, timeout: opts.Timeout, logger: logger, cl: cl,
		peers: map[string]*peer{}, stop: stop, done: make(chan struct{}),
	}
	if err := r.announce(ctx, false); err != nil {
		cl.Close()
		stop()
		return nil, err
	}
	go r.run(rctx)
	return r, nil
}

// Self is this node.
func (r *Registry) Self() Node { return r.self.Node }

func (r *Registry) announce(ctx context.Context, stopped bool) error {
	a := r.self
	a.Stopped = stopped
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return r.cl.ProduceSync(ctx, &kgo.Record{Key: []byte(a.ID), Value: v}).FirstErr()
}

func (r *Registry) run(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(r.interval)
	defer tick.Stop()
	polled := make(chan kgo.Fetches)
	go func() {
		defer close(polled)
		for {
			fs := r.cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			select {
			case polled <- fs:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			for range polled {
			}
			return
		case <-tick.C:
			actx, cancel := context.WithTimeout(ctx, r.interval)
			if err := r.announce(actx, false); err != nil && ctx.Err() == nil {
				r.logger.Warn("announce this node", "err", err)
			}
			cancel()
			r.sweep(time.Now())
		case fs := <-polled:
			now := time.Now()
			fs.EachRecord(func(rec *kgo.Record) { r.heard(rec, now) })
			r.sweep(now)
		}
	}
}

// heard takes an announcement in.
func (r *Registry) heard(rec *kgo.Record, now time.Time) {
	var a announcement
	if rec.Value == nil || json.Unmarshal(rec.Value, &a) != nil || a.ID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.peers[a.ID]
	if p == nil {
		p = &peer{}
		r.peers[a.ID] = p
	}
	was := p.alive
	p.ann, p.lastSeen = a, now
	p.alive = !a.Stopped
	if a.ID != r.self.ID && was != p.alive && rec.Timestamp.After(now.Add(-r.timeout)) {
		if p.alive {
			r.logger.Info("node joined", "peer", a.ID, "addr", a.Addr)
		} else {
			r.logger.Info("node stopped", "peer", a.ID)
		}
	}
}

// sweep marks the nodes not heard from within the timeout as down.
func (r *Registry) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, p := range r.peers {
		if p.alive && now.Sub(p.lastSeen) > r.timeout && id != r.self.ID {
			p.alive = false
			r.logger.Warn("node is down (no announcement)", "peer", id, "last_seen", p.lastSeen)
		}
	}
}

// Nodes lists every node heard of, this one first, then by id.
func (r *Registry) Nodes() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	out := []Status{{Node: r.self.Node, Self: true, Alive: true, Started: r.self.Started, LastSeen: now}}
	for id, p := range r.peers {
		if id == r.self.ID {
			continue
		}
		out = append(out, Status{Node: p.ann.Node, Alive: p.alive, Started: p.ann.Started, LastSeen: p.lastSeen})
	}
	slices.SortFunc(out[1:], func(a, b Status) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// Lookup returns the status of node id.
func (r *Registry) Lookup(id string) (Status, bool) {
	for _, s := range r.Nodes() {
		if s.ID == id {
			return s, true
		}
	}
	return Status{}, false
}

// Close announces that this node stopped and stops following.
func (r *Registry) Close() {
	r.stop()
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.announce(ctx, true); err != nil {
		r.logger.Warn("announce that this node stops", "err", err)
	}
	r.cl.Close()
}

package kafkaio

import (
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Embedded is an in-process Kafka-protocol broker (kfake) that persists its log under
// a directory, so topics and committed offsets survive restarts.
type Embedded struct {
	cluster *kfake.Cluster
	addr    string
}

// EmbeddedConfig holds the embedded broker's optional settings.
type EmbeddedConfig struct {
	// BrokerConfigs override or add to the broker's configuration.
	BrokerConfigs map[string]string
	// SCRAM, when set, makes every client authenticate with SASL/SCRAM-SHA-256
	// as this user, the broker's only (super)user.
	SCRAM *SCRAM
}

// StartEmbedded starts a broker listening on addr (host:port; port 0 picks a free
// port) and persisting under dir/kafka.
func StartEmbedded(dataDir, addr string, cfg EmbeddedConfig) (*Embedded, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka port %q: %w", portText, err)
	}
	listen := func(network, a string) (net.Listener, error) {
		// kfake always asks for 127.0.0.1:port; honour the host the user chose.
		_, p, _ := net.SplitHostPort(a)
		return net.Listen(network, net.JoinHostPort(host, p))
	}
	cfgs := map[string]string{
		// Sub-second rebalances: the default heartbeat of 5 s makes every
		// query start and restart wait seconds for its group.
		"group.consumer.heartbeat.interval.ms": "100",
		"log.cleaner.backoff.ms":               "30000",
	}
	maps.Copy(cfgs, cfg.BrokerConfigs)
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(listen),
		kfake.DataDir(filepath.Join(dataDir, "kafka")),
		kfake.AllowAutoTopicCreation(),
		kfake.BrokerConfigs(cfgs),
	}
	if s := cfg.SCRAM; s != nil {
		if s.User == "" || s.Password == "" {
			return nil, fmt.Errorf("embedded kafka: a SASL/SCRAM user needs a name and a password")
		}
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser(scramMechanism, s.User, s.Password))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka: %w", err)
	}
	return &Embedded{cluster: c, addr: c.ListenAddrs()[0]}, nil
}

// Addr returns the broker's bootstrap address.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker, flushing its log to disk.
func (e *Embedded) Close() { e.cluster.Close() }

// ApplyRetention deletes now what the topics' retention settings would delete at
// the broker's next cleaner pass (every 30 s); for tests and tools that must not
// wait for it.
func (e *Embedded) ApplyRetention() { e.cluster.ApplyRetention() }

// Fault makes the broker fail the requests f matches until the returned
// handle is removed or f's count runs out: how tests reproduce broker-side
// errors a real cluster gives only under faults.
func (e *Embedded) Fault(f kfake.Fault) *kfake.FaultHandle { return e.cluster.Fault(f) }

// Hold makes the broker hold every request with key until release is called,
// then answer them as usual: how tests reproduce a broker that is slow to
// answer. held is closed when the first such request arrives.
func (e *Embedded) Hold(key kmsg.Key) (held <-chan struct{}, release func()) {
	gate, hit := make(chan struct{}), make(chan struct{})
	var hitOnce, releaseOnce sync.Once
	e.cluster.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		e.cluster.KeepControl()
		select {
		case <-gate:
		default:
			hitOnce.Do(func() { close(hit) })
			// Sleeping lets the broker go on with other requests meanwhile.
			e.cluster.SleepControl(func() { <-gate })
		}
		return nil, nil, false
	})
	return hit, func() { releaseOnce.Do(func() { close(gate) }) }
}

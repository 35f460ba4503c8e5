package metrics

import (
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// KafkaHooks returns the franz-go hooks that count this node's broker requests
// and their errors; every Kafka client of the node gets them (kgo.WithHooks).
func (n *Node) KafkaHooks() kgo.Hook { return kafkaHooks{n} }

type kafkaHooks struct{ n *Node }

var (
	_ kgo.HookBrokerE2E     = kafkaHooks{}
	_ kgo.HookBrokerConnect = kafkaHooks{}
)

func (h kafkaHooks) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	name := kmsg.NameForKey(key)
	h.n.kafkaRequests.WithLabelValues(name).Inc()
	if e2e.Err() != nil {
		h.n.kafkaErrors.WithLabelValues(name).Inc()
	}
}

func (h kafkaHooks) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err != nil {
		h.n.kafkaConnFails.Inc()
	}
}

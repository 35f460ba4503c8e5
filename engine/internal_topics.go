package engine

import (
	"strings"

	"github.com/sluice-db/sluice/schemaregistry"
	"github.com/sluice-db/sluice/sqlerr"
)

// topicUse is what a statement does with a topic.
type topicUse int

const (
	readTopic  topicUse = iota // a source over it, PRINT
	writeTopic                 // a sink into it, DROP ... DELETE TOPIC
)

// internalTopic reports whether a topic belongs to Sluice or to Kafka itself:
// Sluice's command topics, changelogs, repartition topics and processing logs
// (every service id's), the Schema Registry's topic, and Kafka's double
// underscore topics (__consumer_offsets, __transaction_state).
func internalTopic(topic string) bool {
	return strings.HasPrefix(topic, "_sluice_") || strings.HasPrefix(topic, "__") || topic == schemaregistry.DefaultTopic
}

// checkTopicUse refuses a statement that would read or write an internal topic,
// unless the server was started with AllowInternalTopics. A stream over the
// command topic could read every statement (and the secrets in them), and one
// written to or deleted would replay, or lose, the whole catalog at the next
// start. This node's processing log may be read: it is there for users.
func (e *Engine) checkTopicUse(topic string, pos int, use topicUse) error {
	if e.cfg.AllowInternalTopics || !internalTopic(topic) {
		return nil
	}
	if use == readTopic && topic == e.processingLogTopic() {
		return nil
	}
	return sqlerr.Newf(sqlerr.InsufficientPrivilege,
		"Topic '%s' is internal to Sluice or Kafka: statements cannot read, write or delete it", topic).
		WithPosition(pos).
		WithHint("An administrator can allow it by starting the server with --allow-internal-topics.")
}

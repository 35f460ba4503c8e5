package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRestoreRunsBesideTheLoop: a node that joins takes over partitions it
// has no state for and rebuilds them from the changelog in the background.
// While the changelog cannot be read (the broker fails its fetches), the
// node's query answers for itself at once (its statistics show the
// partitions restoring) instead of hanging in the group's assignment
// callback, and records of the restoring partitions wait. Once the changelog
// reads again, the restored partitions go on counting from their state: every
// district's last count in the sink is its number of orders.
func TestRestoreRunsBesideTheLoop(t *testing.T) {
	b := startBroker(t)
	cfg := map[string]string{"cache.max.bytes.buffering": "0"}
	env := startNodeWith(t, b.Addr(), "1", true, cfg)
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=4);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
	const districts = 8
	produce := func(from, to int) {
		for i := from; i < to; i++ {
			env.produce("orders", fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d"}`, i%districts))
		}
	}
	produce(0, 80)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	qid := firstQuery(env.engine)
	var changelog string
	var changelogID [16]byte
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	topics, err := kadm.NewClient(env.cluster.Producer()).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, detail := range topics {
		if strings.Contains(name, qid) && strings.HasSuffix(name, "changelog") {
			changelog, changelogID = name, detail.ID
		}
	}
	if changelog == "" {
		t.Fatalf("no changelog topic of %s in %v", qid, topics.Names())
	}
	h := b.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, TopicID: changelogID, Err: kerr.NotLeaderForPartition, Count: -1})
	defer h.Remove()

	node2 := startNodeWith(t, b.Addr(), "2", true, cfg)
	waitFor(t, 30*time.Second, func() string {
		run := runningQuery(node2.engine, qid)
		if run == nil {
			return "node 2 does not run the query yet"
		}
		stats := make(chan int, 1)
		go func() { stats <- run.Stats().RestoringPartitions }()
		select {
		case n := <-stats:
			if n == 0 {
				return "node 2 restores nothing yet"
			}
			if h.Hits() == 0 {
				return "node 2's restore has not read the changelog yet"
			}
			return ""
		case <-time.After(10 * time.Second):
			t.Fatal("node 2's query did not answer for its statistics while restoring")
			return ""
		}
	})
	produce(80, 160) // some for node 2's partitions, held until their state is back
	time.Sleep(500 * time.Millisecond)
	if n := runningQuery(node2.engine, qid).Stats().RestoringPartitions; n == 0 {
		t.Fatal("node 2's restore ended while its changelog could not be read")
	}
	h.Remove()
	env.exec(`AWAIT IDLE TIMEOUT 30 SECONDS;`)
	node2.exec(`AWAIT IDLE TIMEOUT 30 SECONDS;`)
	if n := runningQuery(node2.engine, qid).Stats().RestoringPartitions; n != 0 {
		t.Fatalf("node 2 still restores %d partitions", n)
	}
	if len(activePartitions(node2.engine)) == 0 {
		t.Fatal("node 2 runs no partition: nothing was restored")
	}
	last := map[string]string{}
	for _, r := range consumeCommitted(t, env, "PER_DISTRICT") {
		k, v, _ := strings.Cut(r, "=")
		last[k] = v
	}
	for d := range districts {
		if got, want := last[fmt.Sprintf("d%d", d)], fmt.Sprintf(`{"N":%d}`, 160/districts); got != want {
			t.Errorf("district d%d's last count is %s, want %s", d, got, want)
		}
	}
}

package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestStatementWaitingOnBrokerLeavesReadsAlone: a statement that waits on the
// broker (here its CreateTopics request is held) holds no lock that reads need:
// pull queries, SHOW and DESCRIBE answer meanwhile, and a second statement
// waits its turn. When the broker answers, both statements complete, in order.
func TestStatementWaitingOnBrokerLeavesReadsAlone(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM d (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='d', value_format='JSON', partitions=1);`)
	env.exec(`CREATE TABLE by_district AS SELECT district, COUNT(*) AS n FROM d GROUP BY district;`)
	env.produce("d", "1", `{"district":"north"}`, "2", `{"district":"north"}`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)

	held, release := env.broker.Hold(kmsg.CreateTopics)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(sql string) chan error {
		done := make(chan error, 1)
		go func() { done <- env.engine.NewSession(nil).Execute(ctx, sql, nil, &collect{}) }()
		return done
	}
	first := run(`CREATE STREAM later (id VARCHAR KEY, v INT) WITH (kafka_topic='later', value_format='JSON', partitions=1);`)
	select {
	case <-held:
	case err := <-first:
		t.Fatalf("the statement finished (%v) without creating its topic", err)
	}
	second := run(`CREATE STREAM later_copy AS SELECT * FROM later;`)

	// Each read answers while the statements wait: were one to wait for them,
	// it would block until release below, which only runs after the reads.
	if got := env.pull(`SELECT n FROM by_district WHERE district = 'north';`); strings.Join(got, " ") != "2" {
		t.Errorf("pull query while a statement waits on the broker: %q, want 2", got)
	}
	shown := env.exec(`SHOW STREAMS;`)
	if !strings.Contains(rowsText(shown), "D") {
		t.Errorf("SHOW STREAMS while a statement waits: %v", shown.rows)
	}
	if strings.Contains(rowsText(shown), "LATER") {
		t.Errorf("SHOW STREAMS lists LATER before its statement completed: %v", shown.rows)
	}
	env.exec(`DESCRIBE by_district;`)
	if len(env.engine.Failing()) != 0 {
		t.Errorf("failing queries: %v", env.engine.Failing())
	}
	select {
	case err := <-first:
		t.Fatalf("the statement completed (%v) while its CreateTopics was held", err)
	case err := <-second:
		t.Fatalf("the second statement completed (%v) before the first", err)
	default:
	}

	release()
	if err := <-first; err != nil {
		t.Fatalf("first statement: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second statement: %v", err)
	}
	env.produce("later", "k", `{"v":7}`)
	if got := env.consume("LATER_COPY", 1); got[0] != `k={"V":7}` {
		t.Errorf("LATER_COPY: %q", got)
	}
}

func rowsText(c *collect) string {
	var b strings.Builder
	for _, r := range c.rows {
		for _, v := range r {
			b.WriteString(" ")
			if s, ok := v.(string); ok {
				b.WriteString(s)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

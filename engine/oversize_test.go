package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/exec"
)

// TestOversizedOutputIsLogged: an input of 5 MB (compressed to little, so the
// broker takes it) through SELECT * makes an
// output no Kafka producer can write. The query logs it to the processing log
// and goes on with the next records, instead of failing on it at every start.
func TestOversizedOutputIsLogged(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM docs (id VARCHAR KEY, body VARCHAR) WITH (kafka_topic='docs', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM copies AS SELECT * FROM docs;`)
	big, err := env.cluster.NewClient(kgo.ProducerBatchMaxBytes(8<<20), kgo.ProducerBatchCompression(kgo.GzipCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	huge := fmt.Sprintf(`{"body":"%s"}`, strings.Repeat("x", 5<<20))
	if err := big.ProduceSync(context.Background(),
		&kgo.Record{Topic: "docs", Key: []byte("small1"), Value: []byte(`{"body":"a"}`)},
		&kgo.Record{Topic: "docs", Key: []byte("huge"), Value: []byte(huge)},
		&kgo.Record{Topic: "docs", Key: []byte("small2"), Value: []byte(`{"body":"b"}`)},
	).FirstErr(); err != nil {
		t.Fatal(err)
	}
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	got := env.consume("COPIES", 2)
	if strings.Join(got, " ") != `small1={"BODY":"a"} small2={"BODY":"b"}` {
		t.Errorf("sink: %v, want the two small records", got)
	}
	for _, q := range env.engine.Queries() {
		if q.State != string(exec.StateRunning) {
			t.Errorf("%s is %s: %s", q.ID, q.State, q.Error)
		}
	}
	logged := env.consume("_sluice_test_processing_log", 1)
	if len(logged) != 1 || !strings.Contains(logged[0], "over the limit") || len(logged[0]) > 16<<10 {
		t.Errorf("processing log: %.300v (%d bytes), want one bounded entry saying the record is over the limit", logged, len(strings.Join(logged, "")))
	}
}

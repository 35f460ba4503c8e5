package sqltests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestBrokerSASL: `sluice broker --sasl-user-file` lets in only its SCRAM
// user. A node given that user works as usual; a node without it, or with a
// wrong password, stops at start with an error saying so; a Kafka client
// without credentials gets nothing, and one with them reads the node's topics.
func TestBrokerSASL(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("user", "# the broker's only user\nsluice:correct horse\n")
	bad := write("bad", "sluice:battery staple\n")
	addr, _ := startBrokerAt(t, bin, filepath.Join(dir, "broker"), "127.0.0.1:0", "--sasl-user-file", good)

	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"no credentials", "is SASL missing?", nil},
		{"wrong password", `SASL/SCRAM authentication as \"sluice\" failed`, []string{"--kafka-sasl-user-file", bad}},
	} {
		srv, err := harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, tc.name), LogPath: filepath.Join(dir, tc.name+".log"),
			Args: append([]string{"--kafka", addr}, tc.args...)})
		if err == nil {
			_ = srv.Kill()
			t.Fatalf("%s: the node started", tc.name)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}

	_, srv := startNode(t, bin, dir, addr, "--kafka-sasl-user-file", good)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	defer sess.Close()
	runSQL(t, ctx, sess, `CREATE STREAM s (id INT KEY, v INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM doubled AS SELECT id, v * 2 AS v FROM s;
INSERT INTO s (id, v) VALUES (1, 21);`)
	res := runSQL(t, ctx, sess, `SET 'auto.offset.reset'='earliest'; SELECT v FROM doubled EMIT CHANGES LIMIT 1;`)
	if got := res[len(res)-1].Rows; len(got) != 1 || got[0][0] == nil || *got[0][0] != "42" {
		t.Fatalf("DOUBLED: %v", got)
	}

	read := func(opts ...kgo.Opt) (int, error) {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics("DOUBLED"),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
		if err != nil {
			return 0, err
		}
		defer cl.Close()
		pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
		defer pcancel()
		if err := cl.Ping(pctx); err != nil {
			return 0, err
		}
		fs := cl.PollFetches(pctx)
		return fs.NumRecords(), fs.Err0()
	}
	if n, err := read(); err == nil {
		t.Errorf("a client without credentials read %d records", n)
	}
	if n, err := read(kgo.SASL(scram.Auth{User: "sluice", Pass: "correct horse"}.AsSha256Mechanism())); err != nil || n != 1 {
		t.Errorf("the SCRAM user read %d records (%v), want 1", n, err)
	}
}

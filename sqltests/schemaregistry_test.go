package sqltests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-db/sluice/internal/testtool"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestSchemaRegistrySurvivesRestart registers schemas through the embedded Schema
// Registry the ready file names, kills the server (SIGKILL) and starts it again on
// the same data directory: the registry rebuilds its state from the _schemas topic,
// so ids and versions are unchanged and new ids continue after the old ones.
func TestSchemaRegistrySurvivesRestart(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	cfg := harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	srv, err := harness.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := func(s *harness.Server) *sr.Client {
		if s.Addrs.SchemaRegistry == "" {
			t.Fatal("the ready file names no schema_registry_url")
		}
		cl, err := sr.NewClient(sr.URLs(s.Addrs.SchemaRegistry))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	cl := client(srv)
	schemas := []string{
		`{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}`,
		`{"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}`,
	}
	for i, s := range schemas {
		id, err := cl.RegisterSchema(ctx, "t-value", sr.Schema{Schema: s}, -1, -1)
		if err == nil && id != i+1 {
			t.Fatalf("schema %d got id %d", i+1, id)
		}
		if err != nil {
			// B is not BACKWARD compatible with A: register it under NONE.
			for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatNone}, "t-value") {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			if id, err = cl.RegisterSchema(ctx, "t-value", sr.Schema{Schema: s}, -1, -1); err != nil || id != i+1 {
				t.Fatalf("schema %d: id %d, %v", i+1, id, err)
			}
		}
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	srv, err = harness.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice: %v", err)
		}
	})
	cl = client(srv)
	for i, s := range schemas {
		ss, err := cl.LookupSchema(ctx, "t-value", sr.Schema{Schema: s})
		if err != nil || ss.ID != i+1 || ss.Version != i+1 {
			t.Fatalf("after restart, schema %d: %+v, %v", i+1, ss, err)
		}
	}
	id, err := cl.RegisterSchema(ctx, "u-value", sr.Schema{Schema: `"string"`}, -1, -1)
	if err != nil || id != 3 {
		t.Fatalf("a new schema after restart: id %d, %v", id, err)
	}
}

// TestSchemaRegistryClients round-trips records through Sluice's Avro, JSON_SR and
// PROTOBUF queries with two independent client stacks that do their own framing
// and schema handling: kafkajs with @kafkajs/confluent-schema-registry (npm), and
// confluent-kafka-python's AvroProducer and AvroConsumer (Debian's
// python3-confluent-kafka). Each script produces through the embedded registry,
// runs statements over the Postgres wire, decodes Sluice's output with the schemas
// Sluice registered, and checks the results against what it produced.
func TestSchemaRegistryClients(t *testing.T) {
	t.Run("kafkajs", func(t *testing.T) {
		node, modules := testtool.Need(t, "node"), testtool.NodeModules(t, "kafkajs", "@kafkajs/confluent-schema-registry", "pg")
		srv := startServer(t, t.TempDir())
		runClientScript(t, srv, []string{"NODE_PATH=" + modules}, node, "testdata/clients/schema_registry_kafkajs.js",
			"avro registered true",
			"avro inferred district:text rider:text amount:integer",
			"avro table east=20/630 north=20/590 south=20/610",
			"avro table matches what was produced true",
			"avro pull east=20/630 north=20/590 south=20/610 true",
			"heavy_json p15:30:1 p16:32:0 p17:34:1 p18:36:0 p19:38:1",
			"heavy_proto p15:30:1 p16:32:0 p17:34:1 p18:36:0 p19:38:1",
			"heavy_avro p15:30:1 p16:32:0 p17:34:1 p18:36:0 p19:38:1",
			"protobuf without indexes logged: Failed to deserialize Protobuf: message index 1 out of range"+
				" (Confluent's Protobuf framing puts message indexes after the schema id; was the record written without them?)",
		)
	})
	t.Run("confluent-kafka-python", func(t *testing.T) {
		py := testtool.Need(t, "/usr/bin/python3")
		testtool.Need(t, "/usr/lib/python3/dist-packages/confluent_kafka/avro/__init__.py")
		testtool.Need(t, "/usr/lib/python3/dist-packages/avro/__init__.py")
		testtool.Need(t, "/usr/lib/python3/dist-packages/requests/__init__.py")
		srv := startServer(t, t.TempDir())
		runClientScript(t, srv, nil, py, "testdata/clients/schema_registry_confluent.py",
			"inferred rowkey:text site:text celsius:double precision note:text",
			"table harbour=15/21.0/8 mill=15/21.5/7 quarry=15/22.0/8",
			"table matches what was produced True",
			"stream sensor-3/mill/21.5 sensor-1/quarry/20.5",
		)
	})
}

// runClientScript runs a client script with the server's Kafka, Schema Registry
// and Postgres addresses as arguments and compares its output lines with want.
func runClientScript(t *testing.T, srv *harness.Server, env []string, interpreter, script string, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, interpreter, script, srv.Addrs.Kafka, srv.Addrs.SchemaRegistry, srv.Addrs.PG)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s\n%s", script, err, out, srv.LogTail())
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(want, "\n") {
		t.Errorf("%s printed:\n%s\nwant:\n%s", script, got, strings.Join(want, "\n"))
	}
}

// TestSchemaRegistryTwoNodes runs two nodes of one service on a standalone broker,
// each serving the embedded registry over the shared _schemas topic. Schemas
// registered on both at once get distinct ids and each node serves the other's;
// a stream created with AVRO on one node registers a schema the other node's
// inference reads; a node killed and restarted serves the same ids.
func TestSchemaRegistryTwoNodes(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	kafkaAddr := startBroker(t, bin, filepath.Join(dir, "broker"))
	cfgA, a := startNode(t, bin, filepath.Join(dir, "a"), kafkaAddr, "--node-id", "a")
	_, b := startNode(t, bin, filepath.Join(dir, "b"), kafkaAddr, "--node-id", "b")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := func(s *harness.Server) *sr.Client {
		cl, err := sr.NewClient(sr.URLs(s.Addrs.SchemaRegistry))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	clients := []*sr.Client{client(a), client(b)}
	const perNode = 10
	schema := func(node, i int) string {
		return fmt.Sprintf(`{"type":"record","name":"R%d_%d","fields":[{"name":"x","type":"int"}]}`, node, i)
	}
	ids := make([][perNode]int, 2)
	var g errgroup.Group
	for n, cl := range clients {
		g.Go(func() error {
			for i := range perNode {
				id, err := cl.RegisterSchema(ctx, fmt.Sprintf("n%d-%d-value", n, i), sr.Schema{Schema: schema(n, i)}, -1, -1)
				if err != nil {
					return err
				}
				ids[n][i] = id
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	seen := map[int]string{}
	for n := range clients {
		for i, id := range ids[n] {
			if prev, dup := seen[id]; dup {
				t.Fatalf("id %d given to %s and %s", id, prev, schema(n, i))
			}
			seen[id] = schema(n, i)
		}
	}
	// Each node serves every schema under its id, whichever node registered it.
	check := func(when string) {
		for _, cl := range clients {
			for id, want := range seen {
				got, err := cl.SchemaByID(ctx, id)
				if err != nil || got.Schema != want {
					t.Fatalf("%s: schema %d is %q, %v; want %s", when, id, got.Schema, err, want)
				}
			}
		}
	}
	check("both nodes up")

	sa := connectPG(t, ctx, a)
	defer sa.Close()
	runSQL(t, ctx, sa, `CREATE STREAM parcels (id INT KEY, depot STRING, kg DOUBLE) WITH (KAFKA_TOPIC='parcels', FORMAT='AVRO', PARTITIONS=2);
INSERT INTO parcels (id, depot, kg) VALUES (1, 'north', 2.5);`)
	sb := connectPG(t, ctx, b)
	defer sb.Close()
	// The statement reaches b through the command topic; b's inference reads the
	// schema a registered.
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, err := sb.Run(ctx, `CREATE STREAM parcels_again WITH (KAFKA_TOPIC='parcels', FORMAT='AVRO')`)
		if err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res := runSQL(t, ctx, sb, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'parcels_again' ORDER BY ordinal_position`)
	if got := fmt.Sprint(flat(res[len(res)-1].Rows)); got != "[rowkey integer depot text kg double precision]" {
		t.Fatalf("columns inferred on the other node: %s", got)
	}

	if err := a.Kill(); err != nil {
		t.Fatal(err)
	}
	a, err := harness.Start(cfgA)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Kill() })
	clients[0] = client(a)
	check("after node a restarted")
}

package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

func (env *testEnv) groups() []string {
	env.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	listed, err := kadm.NewClient(env.cluster.Producer()).ListGroups(ctx)
	if err != nil {
		env.t.Fatal(err)
	}
	return listed.Groups()
}

// TestTransientQueryGroups: a push query that needs state runs in a consumer
// group of its own, which is deleted when the query ends; groups that a
// crashed node's push queries left are deleted at the next start, and other
// groups are left alone.
func TestTransientQueryGroups(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, rider VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=1);`)
	env.exec(`CREATE TABLE riders (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (kafka_topic='riders', value_format='JSON', partitions=1);`)
	env.produce("riders", "r1", `{"name":"Ann"}`)
	env.produce("orders", "r1", `{"rider":"r1"}`)
	res := env.exec(`SELECT o.id, r.name FROM orders o JOIN riders r ON o.id = r.id EMIT CHANGES LIMIT 1;`)
	if len(res.rows) != 1 {
		t.Fatalf("push join rows: %v", res.rows)
	}
	transient := func(gs []string) []string {
		return slices.DeleteFunc(gs, func(g string) bool { return !strings.Contains(g, "_query_"+transientPrefix) })
	}
	if left := transient(env.groups()); len(left) != 0 {
		t.Errorf("groups left by the finished push query: %v", left)
	}

	// As a crashed node would leave them: a transient query's group with
	// committed offsets and no member, and another group of the same shape
	// that is not a transient query's.
	adm := kadm.NewClient(env.cluster.Producer())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs := kadm.Offsets{}
	offs.AddOffset("orders", 0, 1, -1)
	for _, g := range []string{"_sluice_test_query_TRANSIENT_abandoned", "_sluice_test_query_CSAS_X_1"} {
		if _, err := adm.CommitOffsets(ctx, g, offs); err != nil {
			t.Fatal(err)
		}
	}
	env.stop()
	env = startEnv(t, dir)
	gs := env.groups()
	if slices.Contains(gs, "_sluice_test_query_TRANSIENT_abandoned") || !slices.Contains(gs, "_sluice_test_query_CSAS_X_1") {
		t.Errorf("groups after the restart: %v; want the abandoned transient group deleted and the other kept", gs)
	}
}

package engine

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/exec"
)

// TestRuntimeStoresArePlanned runs one query of each stateful kind over inputs
// with several partitions and checks that every state store the runtime wrote
// is one the physical plan lists (plan.Physical.Stores, printed by EXPLAIN):
// the planner makes the physical choices and the runtime follows them.
func TestRuntimeStoresArePlanned(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, rider VARCHAR, district VARCHAR, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE riders (id VARCHAR PRIMARY KEY, name VARCHAR, district VARCHAR) WITH (kafka_topic='riders', value_format='JSON', partitions=3);`)
	env.exec(`CREATE STREAM pings (rider VARCHAR KEY, lat DOUBLE) WITH (kafka_topic='pings', value_format='JSON', partitions=3);`)
	queries := []string{
		`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`,
		`CREATE TABLE per_min AS SELECT district, SUM(amount) AS total FROM orders WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY district HAVING SUM(amount) > 1;`,
		`CREATE TABLE sessions AS SELECT id, COUNT(*) AS n FROM orders WINDOW SESSION (30 SECONDS) GROUP BY id EMIT FINAL;`,
		`CREATE TABLE riders_per_district AS SELECT district, COUNT(*) AS n FROM riders GROUP BY district;`,
		`CREATE TABLE named AS SELECT id, name FROM riders WHERE name IS NOT NULL;`,
		`CREATE STREAM enriched AS SELECT o.rider, o.amount, r.name FROM orders o JOIN riders r ON o.rider = r.id;`,
		`CREATE STREAM near AS SELECT p.rider, p.lat, o.amount FROM pings p LEFT JOIN orders o WITHIN 1 MINUTE GRACE PERIOD 1 MINUTE ON p.rider = o.rider;`,
		`CREATE TABLE rider_totals AS SELECT o.rider, SUM(o.amount) AS total FROM orders o JOIN riders r ON o.rider = r.id GROUP BY o.rider;`,
	}
	for _, q := range queries {
		env.exec(q)
	}
	env.produce("riders", `r1`, `{"name":"Ann","district":"north"}`, `r2`, `{"name":"Bob","district":"south"}`, `r3`, `{"district":"north"}`)
	env.produce("pings", `r1`, `{"lat":1.5}`, `r2`, `{"lat":2.5}`)
	env.produce("orders", `o1`, `{"rider":"r1","district":"north","amount":3}`, `o2`, `{"rider":"r2","district":"south","amount":4}`,
		`o3`, `{"rider":"r1","district":"north","amount":5}`, `o4`, `{"rider":"r3","district":"east","amount":6}`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)

	env.engine.mu.Lock()
	defer env.engine.mu.Unlock()
	if len(env.engine.running) != len(queries) {
		t.Fatalf("%d queries running, want %d", len(env.engine.running), len(queries))
	}
	for id, run := range env.engine.running {
		planned := run.Plan().Physical.Stores
		written := map[string]bool{}
		prefix := exec.StatePrefix(id, "", -1)
		if err := env.state.Scan(prefix, func(key, _ []byte) bool {
			rest := key[len(prefix):]
			if i := bytes.IndexByte(rest, 0); i > 0 && len(rest) >= i+5 {
				if p := binary.BigEndian.Uint32(rest[i+1:]); p > 2 {
					t.Errorf("%s: store %q has partition %d; the inputs have 3", id, rest[:i], p)
				}
				written[string(rest[:i])] = true
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if len(written) == 0 {
			t.Errorf("%s: wrote no state", id)
		}
		var names []string
		for s := range written {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			if !slices.ContainsFunc(planned, func(family string) bool { return inFamily(s, family) }) {
				t.Errorf("%s wrote store %q, which its plan does not list (planned %v, written %v)", id, s, planned, names)
			}
		}
	}
}

// inFamily reports whether store is one of the stores of a planned family:
// the family's name, or the name followed by the join step, side or input it
// belongs to ("jt0.1" of "jt", "ckpt-j1" of "ckpt-j").
func inFamily(store, family string) bool {
	rest, ok := strings.CutPrefix(store, family)
	return ok && strings.Trim(rest, "0123456789.") == ""
}

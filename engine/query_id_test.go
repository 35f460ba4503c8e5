package engine

import (
	"strings"
	"testing"
)

// CREATE ... AS SELECT and INSERT INTO ... SELECT reply with the new query's id
// (ksqlDB's "Created query with ID ..."), so the user can TERMINATE it.
func TestCreatedQueryID(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec("CREATE STREAM src (id VARCHAR KEY, v INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);")
	c := env.exec("CREATE STREAM out1 AS SELECT id, v FROM src;")
	if len(c.notices) != 1 || !strings.HasPrefix(c.notices[0], "Created query with ID CSAS_OUT1_") {
		t.Fatalf("CSAS notices %q", c.notices)
	}
	id := strings.TrimPrefix(c.notices[0], "Created query with ID ")
	c = env.exec("CREATE OR REPLACE STREAM out1 AS SELECT id, v + 1 AS v FROM src;")
	if len(c.notices) != 1 || c.notices[0] != "Created query with ID "+id {
		t.Fatalf("CREATE OR REPLACE notices %q, want the kept id %s", c.notices, id)
	}
	c = env.exec("INSERT INTO out1 SELECT id, v FROM src;")
	if len(c.notices) != 1 || !strings.HasPrefix(c.notices[0], "Created query with ID INSERTQUERY_") {
		t.Fatalf("INSERT INTO notices %q", c.notices)
	}
	ins := strings.TrimPrefix(c.notices[0], "Created query with ID ")
	env.exec("TERMINATE " + ins + ";")
	if c := env.exec("CREATE STREAM plain (id VARCHAR KEY) WITH (kafka_topic='plain', value_format='JSON', partitions=1);"); len(c.notices) != 0 {
		t.Fatalf("CREATE STREAM notices %q", c.notices)
	}
}

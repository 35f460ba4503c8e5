package engine

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/parser"
)

// TestPullKeyLookup: a pull query fixing a table's key reads it by key, one point
// read per partition, and answers what a scan answers; other filters scan.
func TestPullKeyLookup(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM d (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='d', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE by_district AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM d GROUP BY district;`)
	var kvs []string
	for i := 0; i < 60; i++ {
		kvs = append(kvs, fmt.Sprint(i), fmt.Sprintf(`{"district":"d%d","amount":%d}`, i%6, i))
	}
	env.produce("d", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)

	cases := []struct {
		sql    string
		lookup bool
		want   string
	}{
		{`SELECT n, total FROM by_district WHERE district = 'd2';`, true, "10|290"},
		{`SELECT n, total FROM by_district WHERE 'd2' = district;`, true, "10|290"},
		{`SELECT district, n FROM by_district WHERE district = 'd3' AND n > 5;`, true, "d3|10"},
		{`SELECT district, n FROM by_district WHERE district = 'd3' AND n > 50;`, true, ""},
		{`SELECT district, n FROM by_district WHERE district = 'nowhere';`, true, ""},
		{`SELECT district FROM by_district WHERE district = 'd1' OR district = 'd4';`, false, "d1 d4"},
		{`SELECT district FROM by_district WHERE n = 10 AND total > 300;`, false, "d4 d5"},
	}
	p := parser.New()
	for _, c := range cases {
		got := env.pull(c.sql)
		sort.Strings(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.sql, got, c.want)
		}
		stmts, err := p.ParseScript(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		qp, err := env.engine.planner().PlanSelect(stmts[0].(*parser.Query).Select, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := pullKey(qp); ok != c.lookup {
			t.Errorf("%s: key lookup %v, want %v", c.sql, ok, c.lookup)
		}
	}
}

package planner

import (
	"fmt"
	"testing"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
)

// FuzzWindowClause plans windowed aggregations with arbitrary sizes, advances,
// grace periods and units. Planning either fails with an error or yields a
// window whose arithmetic holds: positive size, an advance within it, at most
// MaxWindowsPerRecord windows per record, a retention that did not wrap.
func FuzzWindowClause(f *testing.F) {
	units := []string{"MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS"}
	f.Add(uint8(0), int64(1), uint8(4), int64(1), uint8(0), int64(0), uint8(1))
	f.Add(uint8(1), int64(1), uint8(4), int64(1), uint8(0), int64(0), uint8(1))
	f.Add(uint8(1), int64(9223372036854775807), uint8(4), int64(1), uint8(0), int64(1), uint8(4))
	f.Add(uint8(2), int64(30), uint8(1), int64(0), uint8(0), int64(106751), uint8(4))
	src := `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`
	f.Fuzz(func(t *testing.T, kind uint8, size int64, sizeUnit uint8, advance int64, advanceUnit uint8, grace int64, graceUnit uint8) {
		unit := func(u uint8) string { return units[int(u)%len(units)] }
		var window string
		switch kind % 3 {
		case 0:
			window = fmt.Sprintf("TUMBLING (SIZE %d %s, GRACE PERIOD %d %s)", size, unit(sizeUnit), grace, unit(graceUnit))
		case 1:
			window = fmt.Sprintf("HOPPING (SIZE %d %s, ADVANCE BY %d %s, GRACE PERIOD %d %s)", size, unit(sizeUnit), advance, unit(advanceUnit), grace, unit(graceUnit))
		default:
			window = fmt.Sprintf("SESSION (%d %s, GRACE PERIOD %d %s)", size, unit(sizeUnit), grace, unit(graceUnit))
		}
		stmts, err := parser.New().ParseScript(src + "CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s WINDOW " + window + " GROUP BY id;")
		if err != nil {
			return
		}
		cat := catalog.New()
		ddl, err := PlanCreateSource(stmts[0].(*parser.CreateSource), nil)
		if err != nil {
			t.Fatal(err)
		}
		cat.PutSource(ddl)
		p := &Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}
		qp, err := p.PlanCreateAsSelect(stmts[1].(*parser.CreateAsSelect), map[string]string{})
		if err != nil {
			return
		}
		w := qp.Agg.Window
		if w.Size <= 0 || w.Retention < 0 || w.Grace < 0 {
			t.Fatalf("%s: planned size %s, grace %s, retention %s", window, w.Size, w.Grace, w.Retention)
		}
		if w.Kind == "HOPPING" && (w.Advance <= 0 || w.Advance > w.Size || w.Size/w.Advance > MaxWindowsPerRecord) {
			t.Fatalf("%s: planned size %s advancing by %s", window, w.Size, w.Advance)
		}
	})
}

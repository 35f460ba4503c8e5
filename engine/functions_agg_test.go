package engine

import (
	"testing"

	"github.com/sluice-db/sluice/aggregate"
)

func TestShowAndDescribeFunctions(t *testing.T) {
	env := startEnv(t, t.TempDir())

	category := map[string]string{}
	for _, r := range env.exec("SHOW FUNCTIONS;").rows {
		category[r[0].(string)] = r[1].(string)
	}
	for _, name := range []string{"AVG", "COLLECT_LIST", "COLLECT_SET", "CORRELATION", "COUNT", "COUNT_DISTINCT",
		"EARLIEST_BY_OFFSET", "HISTOGRAM", "LATEST_BY_OFFSET", "MAX", "MIN", "STDDEV_SAMP", "STDDEV_SAMPLE",
		"SUM", "TOPK", "TOPKDISTINCT"} {
		if category[name] != "AGGREGATE" {
			t.Errorf("SHOW FUNCTIONS: %s has category %q, want AGGREGATE", name, category[name])
		}
	}
	if c := category["UCASE"]; c == "" || c == "AGGREGATE" {
		t.Errorf("SHOW FUNCTIONS: UCASE has category %q, want its scalar category", c)
	}

	topk := env.exec("DESCRIBE FUNCTION TOPK;").rows
	if len(topk) != 2 {
		t.Fatalf("DESCRIBE FUNCTION TOPK: %d rows, want one per signature (2): %v", len(topk), topk)
	}
	if topk[0][1] != "AGGREGATE" || topk[0][2] != "TOPK(T, k) -> ARRAY<T>" {
		t.Errorf("DESCRIBE FUNCTION TOPK: first row %v", topk[0])
	}
	for _, r := range env.exec("DESCRIBE FUNCTION UCASE;").rows {
		if _, ok := r[2].(string); !ok {
			t.Errorf("DESCRIBE FUNCTION UCASE: signature %v is a %T, want text", r[2], r[2])
		}
	}
	if err := env.engine.NewSession(nil).Execute(t.Context(), "DESCRIBE FUNCTION NO_SUCH_FN;", nil, &collect{}); err == nil {
		t.Error("DESCRIBE FUNCTION NO_SUCH_FN: no error")
	}
}

func TestAggregateConfig(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		want  aggregate.Config
	}{
		{nil, aggregate.Config{}},
		{map[string]string{"ksql.functions.collect_list.limit": "1"}, aggregate.Config{CollectListLimit: 1}},
		{map[string]string{"ksql.functions.collect_set.limit": " 20 ", "ksql.functions.collect_list.limit": "x"}, aggregate.Config{CollectSetLimit: 20}},
		{map[string]string{"ksql.functions.collect_set.limit": "-1"}, aggregate.Config{}},
	} {
		if got := aggregateConfig(c.props); got != c.want {
			t.Errorf("aggregateConfig(%v) = %+v, want %+v", c.props, got, c.want)
		}
	}
}

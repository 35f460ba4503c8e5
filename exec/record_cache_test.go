package exec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecordCache(t *testing.T) {
	rec := func(k, v string) *kgo.Record {
		r := &kgo.Record{Key: []byte(k)}
		if v != "" {
			r.Value = []byte(v)
		}
		return r
	}
	render := func(c *recordCache, stored map[string]bool) string {
		var out []string
		err := c.drain(func(r *kgo.Record) {
			out = append(out, fmt.Sprintf("%s=%s", r.Key, r.Value))
		}, func(p int32, key string) (bool, error) { return stored[key], nil })
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	if newRecordCache(0) != nil {
		t.Fatal("a 0-byte cache is not off")
	}

	c := newRecordCache(1 << 20)
	c.put(0, "a", rec("a", "1"), nil, true)
	c.put(0, "b", rec("b", "1"), nil, true)
	c.put(0, "a", rec("a", "2"), nil, true)
	// The last update per key, in the order of the keys' last updates.
	if got := render(c, nil); got != "b=1 a=2" {
		t.Fatalf("drain = %q", got)
	}
	if got := render(c, nil); got != "" {
		t.Fatalf("second drain = %q, want nothing", got)
	}

	// A key added and deleted in one poll was never in the result: nothing is
	// sent. A key that was (in memory or in the store) gets its tombstone.
	c.put(0, "new", rec("new", "1"), nil, true)
	c.put(0, "new", rec("new", ""), nil, true)
	c.put(0, "mem", rec("mem", ""), &outRow{vals: []any{1}}, true)
	c.put(0, "disk", rec("disk", ""), nil, false)
	c.put(0, "gone", rec("gone", ""), nil, false)
	if got := render(c, map[string]bool{"disk": true}); got != "mem= disk=" {
		t.Fatalf("tombstones = %q", got)
	}

	// Over its bound the cache asks to be drained.
	small := newRecordCache(200)
	if small.put(0, "a", rec("a", "1"), nil, true) {
		t.Fatal("one small record overflowed")
	}
	if !small.put(0, "b", rec("b", strings.Repeat("x", 200)), nil, true) {
		t.Fatal("a cache over its bound did not report it")
	}
}

package exec

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/sluice-db/sluice/storage"
)

func openCounterStore(t testing.TB) *storage.Store {
	st, err := storage.Open(filepath.Join(t.TempDir(), "state"), storage.Options{CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestCountersSurviveReopen: counters saved by one run of a query are where
// the next run on the same store starts, and a partition's discard leaves
// them alone.
func TestCountersSurviveReopen(t *testing.T) {
	st := openCounterStore(t)
	q := &PersistentQuery{ID: "CSAS_X_1", counters: st, logger: slog.New(slog.DiscardHandler)}
	q.loadCounters() // nothing saved yet
	for i, f := range q.counterFields() {
		if f.Load() != 0 {
			t.Fatalf("counter %d of a new query is %d", i, f.Load())
		}
		f.Store(int64(100 + i))
	}
	q.saveCounters()
	q.store = st
	if err := q.discardStored(0); err != nil {
		t.Fatal(err)
	}
	again := &PersistentQuery{ID: "CSAS_X_1", counters: st, logger: slog.New(slog.DiscardHandler)}
	again.loadCounters()
	for i, f := range again.counterFields() {
		if f.Load() != int64(100+i) {
			t.Errorf("counter %d after reopening: %d, want %d", i, f.Load(), 100+i)
		}
	}
	other := &PersistentQuery{ID: "CSAS_X_10", counters: st, logger: slog.New(slog.DiscardHandler)}
	other.loadCounters()
	if other.recordsIn.Load() != 0 {
		t.Errorf("another query's counters: records in %d, want 0", other.recordsIn.Load())
	}
}

// BenchmarkSaveCounters is the cost the driver loop pays per committed batch.
func BenchmarkSaveCounters(b *testing.B) {
	q := &PersistentQuery{ID: "CSAS_X_1", counters: openCounterStore(b), logger: slog.New(slog.DiscardHandler)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.recordsIn.Add(500)
		q.saveCounters()
	}
}

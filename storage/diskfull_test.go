package storage

import (
	"errors"
	"math"
	"testing"
)

// TestCommitRefusedWhenDiskNearlyFull: a commit that would eat into the free
// space the store keeps fails with ErrDiskFull, writes nothing, and succeeds
// once there is room again. (The threshold stands in for filling the disk:
// the free space itself is read from the file system.)
func TestCommitRefusedWhenDiskNearlyFull(t *testing.T) {
	st, err := Open(t.TempDir(), Options{CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetMinFreeBytes(math.MaxInt64)
	b := st.NewBatch()
	if err := b.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("commit with no room: %v, want ErrDiskFull", err)
	}
	if _, ok, _ := st.Get([]byte("k")); ok {
		t.Fatal("the refused commit wrote its key")
	}
	st.SetMinFreeBytes(1)
	b = st.NewBatch()
	if err := b.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatalf("commit after space was freed: %v", err)
	}
	if v, ok, _ := st.Get([]byte("k")); !ok || string(v) != "v" {
		t.Fatalf("k = %q, %v", v, ok)
	}
}

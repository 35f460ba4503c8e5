package storage

import (
	"fmt"
	"strings"
	"testing"
)

func TestStoreBatchScanReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	for i := 0; i < 5; i++ {
		if err := b.Set([]byte(fmt.Sprintf("q1/p0/%d", i)), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Set([]byte("q2/p0/x"), []byte("other")); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	if err := s.Scan([]byte("q1/"), func(k, v []byte) bool {
		keys = append(keys, string(k))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 5 || keys[0] != "q1/p0/0" || keys[4] != "q1/p0/4" {
		t.Fatalf("scan after reopen = %v", keys)
	}
	v, ok, err := s.Get([]byte("q2/p0/x"))
	if err != nil || !ok || string(v) != "other" {
		t.Fatalf("Get = %q %v %v", v, ok, err)
	}
	if _, ok, _ := s.Get([]byte("missing")); ok {
		t.Fatal("Get of a missing key reported ok")
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "b"}, {"a\xff", "b"}, {"\xff\xff", ""},
	} {
		if got := string(prefixEnd([]byte(tc.in))); got != tc.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestIndexedBatchScanSeesLaterWrites: an indexed batch reuses one iterator for
// its scans; each scan must still see the writes staged since the previous one,
// deletes included, and a scan from inside a scan's callback must work.
func TestIndexedBatchScanSeesLaterWrites(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	committed := s.NewBatch()
	if err := committed.Set([]byte("k/0"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	if err := committed.Commit(false); err != nil {
		t.Fatal(err)
	}
	b := s.NewIndexedBatch()
	defer b.Close()
	scan := func(lower, upper string) string {
		var out []string
		if err := b.Scan([]byte(lower), []byte(upper), func(k, v []byte) bool {
			out = append(out, string(k)+"="+string(v))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	if got := scan("k/", "k0"); got != "k/0=c" {
		t.Fatalf("first scan = %q", got)
	}
	for _, kv := range [][2]string{{"k/1", "a"}, {"k/2", "b"}} {
		if err := b.Set([]byte(kv[0]), []byte(kv[1])); err != nil {
			t.Fatal(err)
		}
	}
	if got := scan("k/", "k0"); got != "k/0=c k/1=a k/2=b" {
		t.Fatalf("scan after staged writes = %q", got)
	}
	if err := b.Delete([]byte("k/0")); err != nil {
		t.Fatal(err)
	}
	if got := scan("k/1", "k/2"); got != "k/1=a" {
		t.Fatalf("scan with narrower bounds = %q", got)
	}
	if got := scan("k/", "k0"); got != "k/1=a k/2=b" {
		t.Fatalf("scan after a staged delete = %q", got)
	}
	var nested []string
	if err := b.Scan([]byte("k/"), []byte("k0"), func(k, _ []byte) bool {
		nested = append(nested, string(k)+":"+scan(string(k), "k0"))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(nested, ","); got != "k/1:k/1=a k/2=b,k/2:k/2=b" {
		t.Fatalf("nested scans = %q", got)
	}
}

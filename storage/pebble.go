package storage

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// Options tune the store.
type Options struct {
	// CacheBytes is the block cache size; Pebble's 8 MB default makes point reads
	// several times slower, so the default here is 128 MB (the server asks for
	// more: --state-cache-mb).
	CacheBytes int64
	// MinFreeBytes is the free space the store's file system must keep:
	// a commit that finds less fails with ErrDiskFull before writing anything.
	// Pebble treats a failed WAL write as fatal (it panics, and the store is
	// unusable until reopened), so the store stops short of a full disk instead,
	// leaving room for flushes and compactions. Default 256 MB.
	MinFreeBytes int64
}

// ErrDiskFull is a commit refused because the disk is (nearly) full. Nothing
// was written: the commit can be tried again once space is freed.
var ErrDiskFull = errors.New("state store: not enough free disk space")

// Store is a Pebble database.
type Store struct {
	db      *pebble.DB
	cache   *pebble.Cache
	dir     string
	minFree atomic.Int64
}

// Open opens (creating if needed) a store in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.CacheBytes == 0 {
		opts.CacheBytes = 128 << 20
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = 256 << 20
	}
	cache := pebble.NewCache(opts.CacheBytes)
	po := &pebble.Options{
		Cache:              cache,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{},
		// Operator state is write-heavy (every record of a join or an aggregate
		// writes), and much of it is short-lived (windows expire, aggregates are
		// overwritten). Pebble's 4 MB memtable flushes many small L0 files whose
		// compactions then dominated the CPU of a stream-stream join; a larger
		// memtable absorbs overwrites and deletes before they reach disk.
		MemTableSize:                64 << 20,
		MemTableStopWritesThreshold: 4,
		LBaseMaxBytes:               256 << 20,
	}
	// Bloom filters make point lookups of absent keys (new aggregation groups,
	// join misses) skip most SSTables.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		if i < 2 {
			// The upper levels are rewritten soonest: compressing them costs CPU
			// for little lasting space.
			po.Levels[i].Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
		}
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("open state store %s: %w", dir, err)
	}
	st := &Store{db: db, cache: cache, dir: dir}
	st.minFree.Store(opts.MinFreeBytes)
	return st, nil
}

// SetMinFreeBytes changes MinFreeBytes of a running store.
func (s *Store) SetMinFreeBytes(n int64) { s.minFree.Store(n) }

// checkSpace returns ErrDiskFull when the store's file system has less than
// MinFreeBytes available.
func (s *Store) checkSpace() error {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &fs); err != nil {
		return nil // no answer: let the write itself tell
	}
	free := int64(fs.Bavail) * int64(fs.Bsize)
	if min := s.minFree.Load(); free < min {
		return fmt.Errorf("%w: %d MB free in %s, %d MB kept free", ErrDiskFull, free>>20, s.dir, min>>20)
	}
	return nil
}

// Close flushes and closes the store.
func (s *Store) Close() error {
	err := s.db.Close()
	s.cache.Unref()
	return err
}

// Get returns a copy of the value for key, or ok=false.
func (s *Store) Get(key []byte) (value []byte, ok bool, err error) { return get(s.db, key) }

// get reads a copy of key's value from r, which may be the store or a batch.
func get(r pebble.Reader, key []byte) (value []byte, ok bool, err error) {
	v, closer, err := r.Get(key)
	if err == pebble.ErrNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return bytes.Clone(v), true, nil
}

// Batch collects writes that commit atomically: operator state and the input
// offsets it reflects go in one batch so a restart never double-counts.
type Batch struct {
	b *pebble.Batch
	s *Store
	// it is the indexed batch's iterator, repositioned by each Scan: creating an
	// iterator over every level per probe cost a stream-stream join a tenth of
	// its CPU. scanning guards against a Scan from inside a Scan's callback.
	it       *pebble.Iterator
	scanning bool
}

// NewBatch starts a batch.
func (s *Store) NewBatch() *Batch { return &Batch{b: s.db.NewBatch(), s: s} }

// Set stages key=value.
func (b *Batch) Set(key, value []byte) error { return b.b.Set(key, value, nil) }

// Delete stages the removal of key.
func (b *Batch) Delete(key []byte) error { return b.b.Delete(key, nil) }

// Commit applies the batch; sync forces it to disk before returning.
func (b *Batch) Commit(sync bool) error {
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	defer b.b.Close()
	b.closeIter()
	if !b.b.Empty() {
		if err := b.s.checkSpace(); err != nil {
			return err
		}
	}
	return b.b.Commit(opt)
}

// Scan calls fn for every key with the given prefix, in key order, until fn returns
// false. key and value are only valid during the call.
func (s *Store) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	return iterate(it, fn)
}

// iterate calls fn for each entry of it until fn returns false, then closes it.
func iterate(it *pebble.Iterator, fn func(key, value []byte) bool) error {
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

// prefixEnd is the smallest key greater than every key with prefix, or nil.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

// DeletePrefix stages the removal of every key with prefix (a query's state when
// the query is dropped).
func (b *Batch) DeletePrefix(prefix []byte) error {
	return b.b.DeleteRange(prefix, prefixEnd(prefix), nil)
}

// Empty reports whether the batch stages nothing.
func (b *Batch) Empty() bool { return b.b.Empty() }

// NewIndexedBatch starts a batch whose Get and Scan see its own staged writes
// over the store: an operator that reads state it changed earlier in the same
// poll (a join probing the window it just wrote) stays consistent without
// committing per record.
func (s *Store) NewIndexedBatch() *Batch { return &Batch{b: s.db.NewIndexedBatch(), s: s} }

// Get returns a copy of the value for key as the batch sees it (indexed
// batches only).
func (b *Batch) Get(key []byte) (value []byte, ok bool, err error) { return get(b.b, key) }

// Scan calls fn for every key in [lower, upper) as the batch sees it, in key
// order, until fn returns false (indexed batches only). key and value are only
// valid during the call.
func (b *Batch) Scan(lower, upper []byte, fn func(key, value []byte) bool) error {
	// The iterator keeps the bounds until the next SetOptions: they must not
	// change under it, whatever the caller does with its slices.
	opts := &pebble.IterOptions{LowerBound: bytes.Clone(lower), UpperBound: bytes.Clone(upper)}
	if b.scanning {
		it, err := b.b.NewIter(opts)
		if err != nil {
			return err
		}
		return iterate(it, fn)
	}
	if b.it == nil {
		it, err := b.b.NewIter(opts)
		if err != nil {
			return err
		}
		b.it = it
	} else {
		// SetOptions also refreshes the iterator's view of the batch's own writes.
		b.it.SetOptions(opts)
	}
	b.scanning = true
	defer func() { b.scanning = false }()
	it := b.it
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	if err := it.Error(); err != nil {
		b.closeIter()
		return err
	}
	return nil
}

func (b *Batch) closeIter() {
	if b.it != nil {
		_ = b.it.Close()
		b.it = nil
	}
}

// PrefixEnd is the smallest key greater than every key with prefix, or nil (the
// upper bound of a prefix scan).
func PrefixEnd(prefix []byte) []byte { return prefixEnd(prefix) }

// Close abandons an uncommitted batch.
func (b *Batch) Close() {
	b.closeIter()
	_ = b.b.Close()
}

// DiskUsage estimates the bytes on disk of the keys under prefix (Pebble's
// estimate from its files' key ranges; data still in the memtable is not
// counted).
func (s *Store) DiskUsage(prefix []byte) (uint64, error) {
	return s.db.EstimateDiskUsage(prefix, prefixEnd(prefix))
}

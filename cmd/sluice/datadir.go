package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on dir/LOCK, held until the process
// exits (or release is called), so that a second server on the same data
// directory stops before it starts anything, with an error naming the
// directory, instead of starting its broker and failing on one of the stores'
// own locks. flock locks go with the process: a killed server leaves none.
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if b, rerr := os.ReadFile(path); rerr == nil && len(b) > 0 {
				holder = " (pid " + string(b) + ")"
			}
			abs, _ := filepath.Abs(dir)
			return nil, fmt.Errorf("data directory %s is in use by another sluice process%s: stop it, or give this one another --data-dir", abs, holder)
		}
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	// The holder's pid, for the message above; the lock, not the content, is
	// what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(fmt.Sprint(os.Getpid())), 0)
	}
	return func() { f.Close() }, nil
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestConformance runs every QTT case in ../shared/qtt against a freshly built
// sluice and checks the result against baseline.txt: a case that fails and is not
// listed fails the test, and so does a listed case that passes (take it off the list).
func TestConformance(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "qtt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("QTT data not found at %s: CI must have ../shared beside the repository", dir)
		}
		t.Skipf("QTT data not found at %s (it lives in ../shared beside the repository)", dir)
	}
	if testing.Short() {
		t.Skip("the full conformance run takes about a minute; skipped with -short")
	}
	known, err := ReadBaseline("baseline.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	results, err := RunAll(ctx, Options{Dir: dir, Jobs: runtime.NumCPU() * 2, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	PrintReport(&b, results)
	t.Logf("%s\n%s", tail(b.String(), 80), SummaryLine(results))
	byName := map[string]Result{}
	for _, r := range results {
		byName[r.Case] = r
	}
	newFail, fixed := CompareBaseline(results, known, false)
	for _, n := range newFail {
		r := byName[n]
		t.Errorf("new failure (not in baseline.txt): %s: %s %s\n%s", n, r.Verdict, r.Reason, indent(r.Detail))
	}
	for _, n := range fixed {
		t.Errorf("listed in baseline.txt but passes now: %s (remove it from the list)", n)
	}
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

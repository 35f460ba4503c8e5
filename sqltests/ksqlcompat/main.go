package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// Options select and run cases.
type Options struct {
	Dir      string // ../shared/qtt, or a folder of QTT files
	File     string // only files whose base name (without .json) equals or contains this
	Name     *regexp.Regexp
	Jobs     int
	Binary   string
	WorkDir  string
	Timeout  time.Duration
	Keep     bool
	Progress func(Result)
}

func main() {
	var (
		opts     Options
		nameRe   string
		jsonOut  string
		baseline string
		update   bool
		verbose  bool
	)
	flag.StringVar(&opts.Dir, "dir", "../shared/qtt", "QTT folder (with query-validation-tests/) or a folder of QTT JSON files")
	flag.StringVar(&opts.File, "file", "", "run only files whose name contains this (e.g. project-filter)")
	flag.StringVar(&nameRe, "name", "", "run only cases whose full name matches this regular expression")
	flag.IntVar(&opts.Jobs, "j", runtime.NumCPU()*2, "cases run in parallel (each with its own sluice process)")
	flag.StringVar(&opts.Binary, "bin", "", "sluice binary to test (default: build ./cmd/sluice)")
	flag.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "per-case time limit")
	flag.BoolVar(&opts.Keep, "keep", false, "keep the data dir and log of failing cases")
	flag.StringVar(&jsonOut, "json", "", "write a JSON report (one object per case) to this file")
	flag.StringVar(&baseline, "baseline", "", "compare failures with this list of known failures (a ratchet)")
	flag.BoolVar(&update, "update-baseline", false, "rewrite -baseline with the current failures")
	flag.BoolVar(&verbose, "v", false, "print every case as it finishes")
	flag.Parse()
	if nameRe != "" {
		re, err := regexp.Compile(nameRe)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ksqlcompat: bad -name:", err)
			os.Exit(2)
		}
		opts.Name = re
	}
	if verbose {
		opts.Progress = func(r Result) { fmt.Printf("%-5s %s (%s)\n", r.Verdict, r.Case, r.Duration.Round(time.Millisecond)) }
	}
	results, err := RunAll(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ksqlcompat:", err)
		os.Exit(2)
	}
	PrintReport(os.Stdout, results)
	if jsonOut != "" {
		if err := WriteJSON(jsonOut, results); err != nil {
			fmt.Fprintln(os.Stderr, "ksqlcompat:", err)
			os.Exit(2)
		}
	}
	status := 0
	if baseline != "" {
		if update {
			if err := WriteBaseline(baseline, results); err != nil {
				fmt.Fprintln(os.Stderr, "ksqlcompat:", err)
				os.Exit(2)
			}
		} else {
			known, err := ReadBaseline(baseline)
			if err != nil {
				fmt.Fprintln(os.Stderr, "ksqlcompat:", err)
				os.Exit(2)
			}
			newFail, fixed := CompareBaseline(results, known, opts.Name != nil || opts.File != "")
			for _, n := range newFail {
				fmt.Println("NEW FAILURE (not in baseline):", n)
			}
			for _, n := range fixed {
				fmt.Println("NOW PASSES (remove from baseline):", n)
			}
			if len(newFail)+len(fixed) > 0 {
				status = 1
			}
		}
	}
	fmt.Println(SummaryLine(results))
	os.Exit(status)
}

// qttDirs returns the folders holding QTT files under dir.
func qttDirs(dir string) []string {
	sub := filepath.Join(dir, "query-validation-tests")
	if st, err := os.Stat(sub); err == nil && st.IsDir() {
		return []string{sub}
	}
	return []string{dir}
}

// RunAll loads, selects and runs cases, returning results in load order.
func RunAll(ctx context.Context, opts Options) ([]Result, error) {
	var cases []*Case
	for _, d := range qttDirs(opts.Dir) {
		cs, err := LoadDir(d)
		if err != nil {
			return nil, err
		}
		cases = append(cases, cs...)
	}
	for _, d := range restDirs(opts.Dir) {
		cs, err := LoadRestDir(d)
		if err != nil {
			return nil, err
		}
		cases = append(cases, cs...)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("no QTT files under %s", opts.Dir)
	}
	var selected []*Case
	for _, c := range cases {
		if opts.File != "" && !strings.Contains(c.File, opts.File) {
			continue
		}
		if opts.Name != nil && !opts.Name.MatchString(c.FullName) {
			continue
		}
		selected = append(selected, c)
	}
	work, err := os.MkdirTemp(opts.WorkDir, "ksqlcompat-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	bin := opts.Binary
	if bin == "" {
		if bin, err = harness.Build(ctx, work, false); err != nil {
			return nil, err
		}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	caseDir := work
	if opts.Keep {
		if caseDir, err = os.MkdirTemp("", "ksqlcompat-cases-"); err != nil {
			return nil, err
		}
	}
	r := &Runner{Binary: bin, WorkDir: caseDir, Timeout: opts.Timeout, Keep: opts.Keep}
	results := make([]Result, len(selected))
	jobs := max(opts.Jobs, 1)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res := r.Run(selected[i])
				results[i] = res
				if opts.Progress != nil {
					mu.Lock()
					opts.Progress(res)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range selected {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, nil
}

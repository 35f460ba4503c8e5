package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type tally struct{ pass, fail, skip int }

func (t *tally) add(v Verdict) {
	switch v {
	case Pass:
		t.pass++
	case Skip:
		t.skip++
	default:
		t.fail++
	}
}

func (t tally) rate() string {
	if t.pass+t.fail == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(t.pass)/float64(t.pass+t.fail))
}

// PrintReport writes the per-failure diffs, the table by area and by file, and the
// most common failure reasons.
func PrintReport(w io.Writer, results []Result) {
	for _, r := range results {
		if r.Verdict == Fail || r.Verdict == Error {
			fmt.Fprintf(w, "--- %s %s (%s)\n%s\n", r.Verdict, r.Case, r.Reason, indent(r.Detail))
		}
	}
	byArea, byFile := map[string]*tally{}, map[string]*tally{}
	var total tally
	for _, r := range results {
		for _, m := range []struct {
			m map[string]*tally
			k string
		}{{byArea, r.Area}, {byFile, r.File}} {
			if m.m[m.k] == nil {
				m.m[m.k] = &tally{}
			}
			m.m[m.k].add(r.Verdict)
		}
		total.add(r.Verdict)
	}
	printTable(w, "area", byArea)
	printTable(w, "file", byFile)
	fmt.Fprintf(w, "\n%-40s %6d %6d %6d %7s\n", "in-scope total", total.pass, total.fail, total.skip, total.rate())
	differs := 0
	for _, r := range results {
		if r.Verdict == Pass && strings.HasPrefix(r.Detail, messageDiffers) {
			differs++
		}
	}
	if differs > 0 {
		fmt.Fprintf(w, "%d passing negative cases failed with a message other than ksqlDB's (reported, not gated)\n", differs)
	}
	reasons := map[string]int{}
	for _, r := range results {
		if r.Verdict == Fail || r.Verdict == Error {
			reasons[reasonKey(r)]++
		}
	}
	type kv struct {
		k string
		n int
	}
	var top []kv
	for k, n := range reasons {
		top = append(top, kv{k, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || (top[i].n == top[j].n && top[i].k < top[j].k) })
	if len(top) > 25 {
		top = top[:25]
	}
	fmt.Fprintln(w, "\ntop failure reasons:")
	for _, t := range top {
		fmt.Fprintf(w, "%5d  %s\n", t.n, t.k)
	}
}

// reasonKey groups failures: the kind, plus the error's first line for statements.
func reasonKey(r Result) string {
	k := string(r.Verdict) + " " + r.Reason
	if r.Reason == "statement" || r.Reason == "engine start" || r.Reason == "await" {
		line, _, _ := strings.Cut(r.Detail, "\n")
		line = strings.TrimPrefix(line, "statement ")
		if i := strings.Index(line, "failed: "); i >= 0 {
			line = line[i+len("failed: "):]
		}
		if len(line) > 100 {
			line = line[:100]
		}
		k += ": " + line
	}
	return k
}

func printTable(w io.Writer, title string, m map[string]*tally) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "\n%-40s %6s %6s %6s %7s\n", title, "pass", "fail", "skip", "rate")
	for _, k := range keys {
		t := m[k]
		fmt.Fprintf(w, "%-40s %6d %6d %6d %7s\n", k, t.pass, t.fail, t.skip, t.rate())
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], fmt.Sprintf("... %d more lines", len(lines)-40))
	}
	return "    " + strings.Join(lines, "\n    ")
}

// SummaryLine is the last line of a run.
func SummaryLine(results []Result) string {
	var t tally
	for _, r := range results {
		t.add(r.Verdict)
	}
	return fmt.Sprintf("%d passed, %d failed, %d skipped", t.pass, t.fail, t.skip)
}

// WriteJSON writes one JSON object per case.
func WriteJSON(path string, results []Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// ReadBaseline reads the names of cases known to fail; # starts a comment.
func ReadBaseline(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Case names can end in a space: keep lines as they are.
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		known[line] = true
	}
	return known, sc.Err()
}

// baselineHeader opens every baseline file WriteBaseline writes.
const baselineHeader = "# ksqlDB QTT cases Sluice is known to fail (go run ./sqltests/ksqlcompat -baseline ... -update-baseline).\n" +
	"# CI fails on a failure not listed here and on a listed case that passes: shrink this list, never grow it by hand.\n"

// WriteBaseline records the current failures as the known ones. The comments of
// the file it replaces are kept: a comment block stays above those of the cases
// that followed it that still fail, and goes when none does. New failures are
// listed first, after the header.
func WriteBaseline(path string, results []Result) error {
	failing := map[string]bool{}
	for _, r := range results {
		if r.Verdict == Fail || r.Verdict == Error {
			failing[r.Case] = true
		}
	}
	type section struct {
		comment, cases []string
		hadCases       bool // the old file listed cases after the comment
	}
	var sections []section
	listed := map[string]bool{}
	if old, err := os.ReadFile(path); err == nil {
		header := map[string]bool{}
		for _, h := range strings.Split(strings.TrimSuffix(baselineHeader, "\n"), "\n") {
			header[h] = true
		}
		var cur section
		for _, line := range strings.Split(string(old), "\n") {
			// Case names can end in a space: keep lines as they are.
			line = strings.TrimSuffix(line, "\r")
			switch {
			case header[line], strings.TrimSpace(line) == "":
			case strings.HasPrefix(line, "#"):
				if cur.hadCases {
					sections = append(sections, cur)
					cur = section{}
				}
				cur.comment = append(cur.comment, line)
			default:
				cur.hadCases = true
				if failing[line] && !listed[line] {
					cur.cases = append(cur.cases, line)
					listed[line] = true
				}
			}
		}
		sections = append(sections, cur)
	}
	var fresh []string
	for name := range failing {
		if !listed[name] {
			fresh = append(fresh, name)
		}
	}
	sort.Strings(fresh)
	var b strings.Builder
	b.WriteString(baselineHeader)
	for _, n := range fresh {
		b.WriteString(n + "\n")
	}
	for _, sec := range sections {
		if len(sec.cases) == 0 {
			continue
		}
		sort.Strings(sec.cases)
		for _, c := range sec.comment {
			b.WriteString(c + "\n")
		}
		for _, n := range sec.cases {
			b.WriteString(n + "\n")
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// CompareBaseline returns failures not in known and known cases that now pass. With
// partial set, cases of known that did not run are not reported as fixed.
func CompareBaseline(results []Result, known map[string]bool, partial bool) (newFail, fixed []string) {
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.Case] = true
		failed := r.Verdict == Fail || r.Verdict == Error
		switch {
		case failed && !known[r.Case]:
			newFail = append(newFail, r.Case)
		case !failed && known[r.Case]:
			fixed = append(fixed, r.Case)
		}
	}
	if !partial {
		for k := range known {
			if !ran[k] {
				fixed = append(fixed, k+" (no such case)")
			}
		}
	}
	sort.Strings(newFail)
	sort.Strings(fixed)
	return newFail, fixed
}

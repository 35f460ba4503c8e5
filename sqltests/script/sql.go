package script

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// defaultQueryTimeout bounds one statement or query. Push queries end at their LIMIT;
// one that never reaches it is cancelled after this and shows the rows it produced.
const defaultQueryTimeout = 30 * time.Second

// statement runs `statement ok` (no output unless something fails) and
// `statement error` (see matchError).
func (r *runner) statement(t *testing.T, d *datadriven.TestData) string {
	wantErr := false
	switch {
	case d.HasArg("ok"):
	case d.HasArg("error"):
		wantErr = true
	default:
		d.Fatalf(t, "statement wants ok or error")
	}
	results, err := r.runSQL(t, d)
	if wantErr {
		return matchError(d, err)
	}
	if err != nil {
		return renderError(err) + renderResults(results, false)
	}
	return ""
}

// query runs SQL and prints each result set: a header line of column names, then one
// line per row, values separated by " | " and SQL NULL as NULL. With rowsort, the rows
// of each result are sorted (for results whose order ksqlDB does not define). With
// columns=(A, B) only those columns are printed, in that order: for listings such as
// SHOW QUERIES whose other columns (ids, counters) are not deterministic.
func (r *runner) query(t *testing.T, d *datadriven.TestData) string {
	results, err := r.runSQL(t, d)
	if arg, ok := d.Arg("columns"); ok {
		results = project(results, arg.Vals)
	}
	out := renderResults(results, d.HasArg("rowsort"))
	if err != nil {
		out += renderError(err)
	}
	return out
}

// runSQL sends the command's input as one Query, bounded by timeout=<duration>.
func (r *runner) runSQL(t *testing.T, d *datadriven.TestData) ([]harness.Result, error) {
	timeout := durationArg(t, d, "timeout", defaultQueryTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	results, err := r.sess.Run(ctx, d.Input)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("# timed out after %s (%v)", timeout, err)
	}
	if r.srv.Exited() {
		d.Fatalf(t, "sluice exited while running the statement\n%s", r.srv.LogTail())
	}
	return results, err
}

// project keeps the named columns of each result; a missing column prints as "?".
func project(results []harness.Result, cols []string) []harness.Result {
	out := make([]harness.Result, 0, len(results))
	missing := "?"
	for _, res := range results {
		if res.Columns == nil {
			out = append(out, res)
			continue
		}
		idx := make([]int, len(cols))
		for i, c := range cols {
			idx[i] = slices.Index(res.Columns, c)
		}
		p := harness.Result{Columns: cols, Tag: res.Tag}
		for _, row := range res.Rows {
			pr := make([]*string, len(cols))
			for i, j := range idx {
				if j < 0 {
					pr[i] = &missing
				} else {
					pr[i] = row[j]
				}
			}
			p.Rows = append(p.Rows, pr)
		}
		out = append(out, p)
	}
	return out
}

func renderResults(results []harness.Result, rowsort bool) string {
	var b strings.Builder
	for _, res := range results {
		if res.Columns == nil {
			continue
		}
		b.WriteString(strings.Join(res.Columns, " | "))
		b.WriteByte('\n')
		lines := make([]string, 0, len(res.Rows))
		for _, row := range res.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				if v == nil {
					vals[i] = "NULL"
				} else {
					vals[i] = *v
				}
			}
			lines = append(lines, strings.Join(vals, " | "))
		}
		if rowsort {
			slices.Sort(lines)
		}
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// renderError prints a server error as "<SQLSTATE> at <position>: <message>" (without
// "at" when the server gave no position), other errors as they are.
func renderError(err error) string {
	var pe *harness.Error
	if !errors.As(err, &pe) {
		return err.Error() + "\n"
	}
	s := pe.Code
	if pe.Position > 0 {
		s += " at " + strconv.Itoa(int(pe.Position))
	}
	return s + ": " + pe.Message + "\n"
}

// expectedError is the first line of a `statement error` output:
// "<SQLSTATE>[ at <position>][: <message substring>]".
var expectedError = regexp.MustCompile(`^([0-9A-Z]{5})(?: at ([0-9]+))?(?:: (.*))?$`)

// matchError checks err against the expected output. The SQLSTATE must be equal; the
// position is checked only if the expected line gives one, and the message only has
// to contain the expected text, since exact message parity with ksqlDB is not a goal.
// On a match it returns the expected text unchanged; otherwise the full actual error,
// so the diff shows everything the server said.
func matchError(d *datadriven.TestData, err error) string {
	if err == nil {
		return "statement succeeded, but an error was expected\n"
	}
	actual := renderError(err)
	var pe *harness.Error
	if d.Rewrite || !errors.As(err, &pe) {
		return actual
	}
	m := expectedError.FindStringSubmatch(strings.TrimSpace(d.Expected))
	if m == nil {
		return actual
	}
	if m[1] != pe.Code || (m[2] != "" && m[2] != strconv.Itoa(int(pe.Position))) ||
		!strings.Contains(pe.Message, m[3]) {
		return actual
	}
	return d.Expected
}

// durationArg reads an optional duration argument.
func durationArg(t *testing.T, d *datadriven.TestData, key string, def time.Duration) time.Duration {
	if !d.HasArg(key) {
		return def
	}
	var s string
	d.ScanArgs(t, key, &s)
	v, err := time.ParseDuration(s)
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return v
}

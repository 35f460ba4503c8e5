package script

import (
	"errors"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/sluice-db/sluice/sqltests/harness"
)

func TestMatchError(t *testing.T) {
	err := &harness.Error{Code: "42P01", Position: 15, Message: "Stream NOSUCH does not exist"}
	full := "42P01 at 15: Stream NOSUCH does not exist\n"
	for _, tc := range []struct {
		expected string
		err      error
		want     string // "" means: the expected text itself (a match)
	}{
		{"42P01\n", err, ""},
		{"42P01 at 15\n", err, ""},
		{"42P01 at 15: does not exist\n", err, ""},
		{"42P01: NOSUCH\n", err, ""},
		{"42601\n", err, full},                 // wrong code
		{"42P01 at 14\n", err, full},           // wrong position
		{"42P01: no such stream\n", err, full}, // message lacks the text
		{"not an error line\n", err, full},     // malformed expectation
		{"42P01\n", nil, "statement succeeded, but an error was expected\n"},
		{"42P01\n", errors.New("conn reset"), "conn reset\n"}, // not a server error
		{"42P01\n", &harness.Error{Code: "42P01", Message: "m"}, ""},
	} {
		d := &datadriven.TestData{Expected: tc.expected}
		want := tc.want
		if want == "" {
			want = tc.expected
		}
		if got := matchError(d, tc.err); got != want {
			t.Errorf("matchError(%q, %v) = %q, want %q", tc.expected, tc.err, got, want)
		}
	}
}

func TestRenderResults(t *testing.T) {
	s := func(v string) *string { return &v }
	res := []harness.Result{
		{Tag: "CREATE STREAM"}, // no rows: prints nothing
		{Columns: []string{"A", "B"}, Rows: [][]*string{{s("z"), nil}, {s("a"), s("")}}},
	}
	if got, want := renderResults(res, false), "A | B\nz | NULL\na | \n"; got != want {
		t.Errorf("renderResults = %q, want %q", got, want)
	}
	if got, want := renderResults(res, true), "A | B\na | \nz | NULL\n"; got != want {
		t.Errorf("renderResults(rowsort) = %q, want %q", got, want)
	}
	if got, want := renderResults(project(res, []string{"B", "C"}), false), "B | C\nNULL | ?\n | ?\n"; got != want {
		t.Errorf("project = %q, want %q", got, want)
	}
}

package schemaregistry

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestCompatibilityRules runs testdata/compat_*: "check type=T level=L" with the
// subject's versions oldest first and the candidate last, separated by lines
// "~~~", prints "compatible" or the incompatible differences (kind and path).
func TestCompatibilityRules(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "check" {
				d.Fatalf(t, "unknown command %s", d.Cmd)
			}
			var typ, level string
			d.ScanArgs(t, "type", &typ)
			d.ScanArgs(t, "level", &level)
			noRefs := func(r Reference) (Content, error) { return Content{}, fmt.Errorf("no references here") }
			var versions []*parsed
			for _, text := range strings.Split(d.Input, "\n~~~\n") {
				p, err := canonicalize(typ, text, nil, noRefs)
				if err != nil {
					return "invalid: " + err.Error()
				}
				versions = append(versions, p)
			}
			next := versions[len(versions)-1]
			msgs := incompatibilities(level, next, versions[:len(versions)-1])
			if len(msgs) == 0 {
				return "compatible"
			}
			var b strings.Builder
			for _, m := range msgs {
				b.WriteString(summarize(m) + "\n")
			}
			return b.String()
		})
	})
}

var errorTypeRE = regexp.MustCompile(`errorType:'([A-Z_]+)'.*at path '([^']*)'`)

// summarize keeps a message's error type and path.
func summarize(msg string) string {
	if m := errorTypeRE.FindStringSubmatch(msg); m != nil {
		return m[1] + " " + m[2]
	}
	return msg
}

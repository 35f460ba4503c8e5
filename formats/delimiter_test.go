package formats

import (
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestBlankDelimiter covers what the datadriven argument syntax cannot spell: a
// delimiter that is a blank character.
func TestBlankDelimiter(t *testing.T) {
	cols := []types.Column{{Name: "A", Type: types.IntType}}
	for _, d := range []string{" ", "\t"} {
		_, err := NewCodec(Delimited, cols, Options{Delimiter: d})
		e, ok := err.(*sqlerr.Error)
		if !ok || e.Code != sqlerr.InvalidObjectDefinition {
			t.Fatalf("delimiter %q: got %v, want a 42P17 error", d, err)
		}
	}
}

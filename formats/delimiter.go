package formats

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluice-db/sluice/sqlerr"
)

// parseDelimiter returns the DELIMITED separator named by opts.Delimiter, checked
// as ksqlDB's Delimiter.parse does: one non-blank character, or TAB or SPACE.
func parseDelimiter(opts Options) (rune, error) {
	d := opts.Delimiter
	switch strings.ToUpper(d) {
	case "":
		return ',', nil
	case "TAB":
		return '\t', nil
	case "SPACE":
		return ' ', nil
	}
	r, size := utf8.DecodeRuneInString(d)
	switch {
	case size == len(d) && r != utf8.RuneError && !unicode.IsSpace(r) && r != '"' && r != '\r' && r != '\n':
		return r, nil
	case size == len(d) && unicode.IsSpace(r):
		return 0, delimiterError(opts, "Delimiter cannot be empty, if you meant to have a tab or "+
			"space for delimiter, please use the special values 'TAB' or 'SPACE'")
	}
	return 0, delimiterError(opts, fmt.Sprintf("Invalid delimiter value: '%s'. "+
		"Delimiter must be a single character or TAB,SPACE", d))
}

func delimiterError(opts Options, reason string) error {
	prop := "VALUE_DELIMITER"
	if opts.IsKey {
		prop = "KEY_DELIMITER"
	}
	return sqlerr.Newf(sqlerr.InvalidObjectDefinition,
		"Configuration %s is invalid: %s\nExample valid value: ';'", prop, reason)
}

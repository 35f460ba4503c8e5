package formats

import (
	"unicode/utf8"

	"github.com/sluice-db/sluice/sqlerr"
)

// The CSV dialect is Apache Commons CSV's CSVFormat.DEFAULT with a custom
// delimiter, in the version ksqlDB ships: '"' quotes, no escape character, blank
// lines skipped, and MINIMAL quoting on output.

// quoteCSVField quotes, in place, the field text at dst[start:] if the MINIMAL
// rule requires it, doubling embedded quotes. first says whether the field starts
// the record. A NULL field is written by the caller as nothing at all, never quoted.
func quoteCSVField(dst []byte, start int, delim rune, first bool) []byte {
	field := dst[start:]
	if !csvNeedsQuotes(field, delim, first) {
		return dst
	}
	quotes := 0
	for _, c := range field {
		if c == '"' {
			quotes++
		}
	}
	n := len(field)
	for range quotes + 2 {
		dst = append(dst, 0)
	}
	// Move the text right, from its end, doubling quotes on the way.
	w := len(dst) - 1
	dst[w] = '"'
	w--
	for r := start + n - 1; r >= start; r-- {
		dst[w] = dst[r]
		w--
		if dst[r] == '"' {
			dst[w] = '"'
			w--
		}
	}
	dst[w] = '"'
	return dst
}

// csvNeedsQuotes is Commons CSV's MINIMAL rule, quirks included: an empty first
// field is quoted (else the record would be a blank line); a first field must start
// with an ASCII letter or digit; any field starting with a character <= '#' or
// ending with one <= ' ' is quoted; so is any containing the delimiter, a quote, CR
// or LF. This is why ksqlDB writes a lone negative number as "-5".
func csvNeedsQuotes(s []byte, delim rune, first bool) bool {
	if len(s) == 0 {
		return first
	}
	c := s[0]
	if first && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return true
	}
	if c <= '#' {
		return true
	}
	for _, c := range s {
		switch c {
		case '\n', '\r', '"':
			return true
		}
	}
	if delim < utf8.RuneSelf {
		for _, c := range s {
			if rune(c) == delim {
				return true
			}
		}
	} else if bytesContainRune(s, delim) {
		return true
	}
	return s[len(s)-1] <= ' '
}

func bytesContainRune(s []byte, r rune) bool {
	for len(s) > 0 {
		c, size := utf8.DecodeRune(s)
		if c == r {
			return true
		}
		s = s[size:]
	}
	return false
}

// splitCSVRecord parses the first record of data into fields, appending them to
// fields[:0]. It fails
// when data holds no record (only blank lines) or a quoted field is malformed.
func splitCSVRecord(data []byte, delim rune, fields []string) ([]string, error) {
	fields = fields[:0]
	i := 0
	// Skip blank lines before the record, as ignoreEmptyLines does.
	for i < len(data) && (data[i] == '\n' || data[i] == '\r') {
		i++
	}
	if i == len(data) {
		return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "No fields in record")
	}
	var dbuf [utf8.UTFMax]byte
	d := dbuf[:utf8.EncodeRune(dbuf[:], delim)]
	isDelim := func(at int) bool {
		if len(data)-at < len(d) {
			return false
		}
		for k := range d {
			if data[at+k] != d[k] {
				return false
			}
		}
		return true
	}
	for {
		if i < len(data) && data[i] == '"' {
			// Encapsulated field: "" is a quote; after the closing quote only blanks may
			// precede the delimiter or the end of the record.
			i++
			var buf []byte
			closed := false
			for i < len(data) {
				if data[i] == '"' {
					if i+1 < len(data) && data[i+1] == '"' {
						buf = append(buf, '"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				buf = append(buf, data[i])
				i++
			}
			if !closed {
				return nil, sqlerr.New(sqlerr.InvalidTextRepresentation,
					"EOF reached before encapsulated token finished")
			}
			for i < len(data) && (data[i] == ' ' || data[i] == '\t') && !isDelim(i) {
				i++
			}
			fields = append(fields, string(buf))
			switch {
			case i == len(data) || data[i] == '\n' || data[i] == '\r':
				return fields, nil
			case isDelim(i):
				i += len(d)
				continue
			default:
				return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation,
					"invalid char between encapsulated token and delimiter at byte %d", i)
			}
		}
		start := i
		for i < len(data) && data[i] != '\n' && data[i] != '\r' && !isDelim(i) {
			i++
		}
		fields = append(fields, string(data[start:i]))
		if i < len(data) && isDelim(i) {
			i += len(d)
			continue
		}
		return fields, nil
	}
}

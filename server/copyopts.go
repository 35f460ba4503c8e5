package server

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sluice-db/sluice/sqlerr"
)

// copyOptions are the options of COPY ... TO STDOUT, as PostgreSQL documents
// them (both the parenthesized list and the older keyword syntax).
type copyOptions struct {
	format     string // text, csv or binary
	delimiter  byte
	null       string
	header     bool
	quote      byte
	escape     byte
	forceQuote map[string]bool // column names; forceAll for *
	forceAll   bool
}

// copyToken is a word, a quoted string or a punctuation mark of COPY's options.
type copyToken struct {
	text   string
	quoted bool // a '...' string (text is its value)
}

func tokenizeCopyOptions(s string) ([]copyToken, error) {
	var out []copyToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '(' || c == ')' || c == ',' || c == '*':
			out = append(out, copyToken{text: string(c)})
			i++
		case c == '\'' || ((c == 'E' || c == 'e') && i+1 < len(s) && s[i+1] == '\''):
			escapes := c != '\''
			if escapes {
				i++
			}
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, sqlerr.New(sqlerr.SyntaxError, "unterminated quoted string in COPY options")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				if escapes && s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case 'b':
						b.WriteByte('\b')
					case 'f':
						b.WriteByte('\f')
					default:
						b.WriteByte(s[i])
					}
					i++
					continue
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, copyToken{text: b.String(), quoted: true})
		case c == '"':
			j := i + 1
			var b strings.Builder
			for ; ; j++ {
				if j >= len(s) {
					return nil, sqlerr.New(sqlerr.SyntaxError, "unterminated quoted identifier in COPY options")
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			// A quoted identifier keeps its case; mark it so it is not folded.
			out = append(out, copyToken{text: "\x00" + b.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && !strings.ContainsRune("(),*'\"", rune(s[j])) {
				j++
			}
			out = append(out, copyToken{text: strings.ToLower(s[i:j])})
			i = j
		}
	}
	return out, nil
}

// identName is a token as a column name: quoted identifiers as written,
// others lower-cased (as Postgres folds them).
func identName(t copyToken) string { return strings.TrimPrefix(t.text, "\x00") }

// parseCopyOptions reads the options after TO STDOUT.
func parseCopyOptions(s string) (*copyOptions, error) {
	toks, err := tokenizeCopyOptions(s)
	if err != nil {
		return nil, err
	}
	if len(toks) > 0 && !toks[0].quoted && toks[0].text == "with" {
		toks = toks[1:]
	}
	set := map[string]string{} // option -> its value text
	force := []string{}        // FORCE_QUOTE columns
	forceAll := false
	setOnce := func(name, value string) error {
		if _, dup := set[name]; dup {
			return sqlerr.New(sqlerr.SyntaxError, "conflicting or redundant options")
		}
		set[name] = value
		return nil
	}
	syntax := func() error {
		return sqlerr.Newf(sqlerr.SyntaxError, "syntax error in COPY options %q", strings.TrimSpace(s))
	}
	if len(toks) > 0 && toks[0].text == "(" && !toks[0].quoted {
		// ( name [value] [, ...] )
		i := 1
		for {
			if i >= len(toks) || toks[i].quoted {
				return nil, syntax()
			}
			name := toks[i].text
			i++
			if name == "force_quote" || name == "force_not_null" || name == "force_null" {
				if err := setOnce(name, ""); err != nil {
					return nil, err
				}
				cols, all, n, err := copyColumnList(toks[i:])
				if err != nil {
					return nil, syntax()
				}
				if name == "force_quote" {
					force, forceAll = cols, all
				}
				i += n
			} else {
				value := "\x01" // present without a value
				if i < len(toks) && (toks[i].quoted || (toks[i].text != "," && toks[i].text != ")")) {
					value = toks[i].text
					i++
				}
				if err := setOnce(name, value); err != nil {
					return nil, err
				}
			}
			if i < len(toks) && toks[i].text == "," && !toks[i].quoted {
				i++
				continue
			}
			if i == len(toks)-1 && toks[i].text == ")" && !toks[i].quoted {
				break
			}
			return nil, syntax()
		}
	} else {
		// The keyword syntax of before PostgreSQL 9.0, which psql and old
		// drivers still send.
		for i := 0; i < len(toks); {
			t := toks[i]
			if t.quoted {
				return nil, syntax()
			}
			i++
			value := func() (string, error) {
				if i < len(toks) && !toks[i].quoted && toks[i].text == "as" {
					i++
				}
				if i >= len(toks) || !toks[i].quoted {
					return "", syntax()
				}
				i++
				return toks[i-1].text, nil
			}
			switch t.text {
			case "binary", "csv":
				if err := setOnce("format", t.text); err != nil {
					return nil, err
				}
			case "header":
				if err := setOnce("header", "true"); err != nil {
					return nil, err
				}
			case "delimiter", "null", "quote", "escape":
				v, err := value()
				if err != nil {
					return nil, err
				}
				if err := setOnce(t.text, v); err != nil {
					return nil, err
				}
			case "force":
				if i >= len(toks) || toks[i].text != "quote" {
					return nil, syntax()
				}
				i++
				if err := setOnce("force_quote", ""); err != nil {
					return nil, err
				}
				cols, all, n, err := copyColumnList(toks[i:])
				if err != nil {
					return nil, syntax()
				}
				force, forceAll, i = cols, all, i+n
			default:
				return nil, syntax()
			}
		}
	}
	return validateCopyOptions(set, force, forceAll)
}

// copyColumnList reads FORCE_QUOTE's argument: *, one column, or a
// parenthesized list (or, in the keyword syntax, a comma-separated one).
func copyColumnList(toks []copyToken) (cols []string, all bool, n int, err error) {
	if len(toks) == 0 {
		return nil, false, 0, fmt.Errorf("missing column list")
	}
	if toks[0].text == "*" {
		return nil, true, 1, nil
	}
	paren := toks[0].text == "(" && !toks[0].quoted
	i := 0
	if paren {
		i = 1
	}
	for i < len(toks) && !toks[i].quoted {
		cols = append(cols, identName(toks[i]))
		i++
		if i < len(toks) && toks[i].text == "," {
			i++
			continue
		}
		break
	}
	if paren {
		if i >= len(toks) || toks[i].text != ")" {
			return nil, false, 0, fmt.Errorf("unclosed column list")
		}
		i++
	}
	if len(cols) == 0 {
		return nil, false, 0, fmt.Errorf("empty column list")
	}
	return cols, false, i, nil
}

func validateCopyOptions(set map[string]string, force []string, forceAll bool) (*copyOptions, error) {
	o := &copyOptions{format: "text"}
	for name, v := range set {
		switch name {
		case "format":
			if v != "text" && v != "csv" && v != "binary" {
				return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "COPY format %q not recognized", v)
			}
			o.format = v
		case "header":
			switch strings.ToLower(v) {
			case "\x01", "true", "on", "1":
				o.header = true
			case "false", "off", "0":
			case "match":
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot use \"match\" with HEADER in COPY TO")
			default:
				return nil, sqlerr.New(sqlerr.SyntaxError, "header requires a Boolean value or \"match\"")
			}
		case "delimiter", "null", "quote", "escape", "encoding":
			if v == "\x01" {
				return nil, sqlerr.Newf(sqlerr.SyntaxError, "%s requires a parameter", name)
			}
		case "force_quote":
		case "freeze":
			// Only COPY FROM freezes rows; COPY TO accepts and ignores it, as
			// PostgreSQL does.
		case "force_not_null", "force_null":
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "COPY %s is only available using COPY FROM", strings.ToUpper(name))
		default:
			return nil, sqlerr.Newf(sqlerr.SyntaxError, "option %q not recognized", name)
		}
	}
	if enc, ok := set["encoding"]; ok {
		if e := strings.ToUpper(strings.ReplaceAll(enc, "-", "")); e != "UTF8" && e != "UNICODE" {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "COPY encoding %s is not supported: Sluice speaks UTF8 only", enc)
		}
	}
	csv, binary := o.format == "csv", o.format == "binary"
	_, hasDelim := set["delimiter"]
	_, hasNull := set["null"]
	switch {
	case binary && hasDelim:
		return nil, sqlerr.New(sqlerr.SyntaxError, "cannot specify DELIMITER in BINARY mode")
	case binary && hasNull:
		return nil, sqlerr.New(sqlerr.SyntaxError, "cannot specify NULL in BINARY mode")
	case binary && o.header:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot specify HEADER in BINARY mode")
	}
	for _, name := range []string{"quote", "escape", "force_quote"} {
		if _, ok := set[name]; ok && !csv {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "COPY %s available only in CSV mode", strings.ReplaceAll(name, "_", " "))
		}
	}
	o.delimiter, o.null = '\t', `\N`
	if csv {
		o.delimiter, o.null, o.quote = ',', "", '"'
	}
	oneByte := func(what, v string) (byte, error) {
		if len(v) != 1 {
			return 0, sqlerr.Newf(sqlerr.FeatureNotSupported, "COPY %s must be a single one-byte character", what)
		}
		return v[0], nil
	}
	var err error
	if v, ok := set["delimiter"]; ok {
		if o.delimiter, err = oneByte("delimiter", v); err != nil {
			return nil, err
		}
	}
	if v, ok := set["null"]; ok {
		o.null = v
	}
	if v, ok := set["quote"]; ok {
		if o.quote, err = oneByte("quote", v); err != nil {
			return nil, err
		}
	}
	o.escape = o.quote
	if v, ok := set["escape"]; ok {
		if o.escape, err = oneByte("escape", v); err != nil {
			return nil, err
		}
	}
	if binary {
		return o, nil
	}
	switch {
	case o.delimiter == '\n' || o.delimiter == '\r':
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	case strings.ContainsAny(o.null, "\r\n"):
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	case !csv && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, o.delimiter) >= 0:
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "COPY delimiter cannot be \"%c\"", o.delimiter)
	case csv && o.delimiter == o.quote:
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter and quote must be different")
	case strings.IndexByte(o.null, o.delimiter) >= 0:
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter must not appear in the NULL specification")
	case csv && strings.IndexByte(o.null, o.quote) >= 0:
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "CSV quote character must not appear in the NULL specification")
	}
	if len(force) > 0 || forceAll {
		o.forceAll = forceAll
		o.forceQuote = map[string]bool{}
		for _, c := range force {
			o.forceQuote[c] = true
		}
	}
	return o, nil
}

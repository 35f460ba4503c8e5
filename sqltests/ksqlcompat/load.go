package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// rawCase is a test case as written in a QTT file.
type rawCase struct {
	Name       string                     `json:"name"`
	Statements []string                   `json:"statements"`
	Inputs     []Record                   `json:"inputs"`
	Outputs    []Record                   `json:"outputs"`
	Topics     []Topic                    `json:"topics"`
	Properties map[string]json.RawMessage `json:"properties"`
	Format     []string                   `json:"format"`
	Config     []string                   `json:"config"`
	Expected   *ExpectedException         `json:"expectedException"`
	Post       *Post                      `json:"post"`
	Enabled    *bool                      `json:"enabled"`
}

// LoadDir loads every *.json file of dir, sorted by name.
func LoadDir(dir string) ([]*Case, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var all []*Case
	for _, p := range paths {
		cs, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
	}
	return all, nil
}

// LoadFile loads one QTT file and expands its cases into variants.
func LoadFile(path string) ([]*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Tests []rawCase `json:"tests"`
	}
	dec := json.NewDecoder(bytes.NewReader(stripComments(data)))
	dec.UseNumber()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".json")
	var out []*Case
	for _, rc := range file.Tests {
		out = append(out, expand(name, rc)...)
	}
	return out, nil
}

// expand turns a case into one variant per format × config entry.
func expand(file string, rc rawCase) []*Case {
	formats := rc.Format
	if len(formats) == 0 {
		formats = []string{""}
	}
	configs := rc.Config
	if len(configs) == 0 {
		configs = []string{""}
	}
	var out []*Case
	for _, f := range formats {
		for _, cfg := range configs {
			c := &Case{
				File: file, Name: rc.Name, Format: f,
				Inputs: rc.Inputs, Outputs: rc.Outputs, Topics: rc.Topics,
				Expected: rc.Expected, Post: rc.Post,
				Disabled:   rc.Enabled != nil && !*rc.Enabled,
				Properties: map[string]string{},
			}
			full := file + " - " + rc.Name
			if f != "" {
				full += " - " + f
			}
			for k, v := range rc.Properties {
				val := jsonScalarText(v)
				if val == "{CONFIG}" {
					val = cfg
					full += " - " + k + "=" + cfg
				}
				c.Properties[k] = val
			}
			c.FullName = full
			for _, s := range rc.Statements {
				c.Statements = append(c.Statements, strings.ReplaceAll(s, "{FORMAT}", f))
			}
			out = append(out, c)
		}
	}
	return out
}

// jsonScalarText is a JSON scalar as property text: strings unquoted, others literal.
func jsonScalarText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// stripComments removes // and /* */ comments outside JSON strings, as Jackson's
// ALLOW_COMMENTS reads them.
func stripComments(b []byte) []byte {
	var out []byte
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				i++
				out = append(out, b[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			i += 2
			for i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/') {
				i++
			}
			i++
		default:
			out = append(out, c)
		}
	}
	return out
}

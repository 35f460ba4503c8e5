package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// Column is a source column as SHOW ... EXTENDED describes it.
type Column struct {
	Name string
	Type string // SQL type text, e.g. INTEGER, ARRAY<STRING>
	Role string // KEY, VALUE or HEADER
}

// SourceInfo is what the runner needs to write and read a source's topic.
type SourceInfo struct {
	Name, Kind, Topic        string
	KeyFormat, ValueFormat   string
	WindowType               string // "" when the key is not windowed
	WindowSizeMs             int64
	WrapSingle               *bool
	Columns                  []Column
	keyColumns, valueColumns []Column
	sr                       *srClient // the Schema Registry, for AVRO topics
}

// readCatalog lists every stream and table with SHOW STREAMS/TABLES EXTENDED.
func readCatalog(run func(sql string) ([]harness.Result, error)) (map[string]*SourceInfo, error) {
	out := map[string]*SourceInfo{}
	for _, kind := range []string{"STREAM", "TABLE"} {
		res, err := run("SHOW " + kind + "S EXTENDED;")
		if err != nil {
			return nil, err
		}
		if len(res) != 1 {
			return nil, fmt.Errorf("SHOW %sS EXTENDED: %d results", kind, len(res))
		}
		idx := map[string]int{}
		for i, c := range res[0].Columns {
			idx[c] = i
		}
		get := func(row []*string, col string) string {
			i, ok := idx[col]
			if !ok || row[i] == nil {
				return ""
			}
			return *row[i]
		}
		for _, row := range res[0].Rows {
			si := &SourceInfo{
				Name: get(row, strings.ToUpper(kind[:1])+strings.ToLower(kind[1:])+" Name"), Kind: kind,
				Topic: get(row, "Kafka Topic"), KeyFormat: get(row, "Key Format"), ValueFormat: get(row, "Value Format"),
				WindowType: get(row, "Window Type"),
			}
			if n := get(row, "Window Size Ms"); n != "" {
				si.WindowSizeMs, _ = strconv.ParseInt(n, 10, 64)
			}
			if w := get(row, "Wrap Single Value"); w != "" {
				b := w == "t" || w == "true"
				si.WrapSingle = &b
			}
			si.Columns = parseSchema(get(row, "Schema"))
			for _, c := range si.Columns {
				switch c.Role {
				case "KEY":
					si.keyColumns = append(si.keyColumns, c)
				case "VALUE":
					si.valueColumns = append(si.valueColumns, c)
				}
			}
			out[si.Name] = si
		}
	}
	return out, nil
}

// byTopic picks, for each topic, the source that describes it; a source created
// with a column list wins over one derived later, as their layouts agree.
func byTopic(sources map[string]*SourceInfo) map[string]*SourceInfo {
	out := map[string]*SourceInfo{}
	for _, s := range sources {
		if s.Name == "KSQL_PROCESSING_LOG" {
			continue
		}
		if prev, ok := out[s.Topic]; !ok || s.Name < prev.Name {
			out[s.Topic] = s
		}
	}
	return out
}

// parseSchema splits "`A` INTEGER KEY, `B` STRUCT<X INTEGER, Y STRING>" into columns.
func parseSchema(s string) []Column {
	var out []Column
	for _, part := range splitTopLevel(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var name, rest string
		if part[0] == '`' {
			end := strings.Index(part[1:], "`")
			name, rest = part[1:end+1], strings.TrimSpace(part[end+2:])
		} else {
			// ksqlDB parses the schema: an unquoted name is upper-cased.
			name, rest, _ = strings.Cut(part, " ")
			name = strings.ToUpper(name)
		}
		role := "VALUE"
		switch {
		case strings.HasSuffix(rest, " PRIMARY KEY"): // a table's key, as ksqlDB also prints it
			role, rest = "KEY", strings.TrimSuffix(rest, " PRIMARY KEY")
		case strings.HasSuffix(rest, " KEY"):
			role, rest = "KEY", strings.TrimSuffix(rest, " KEY")
		case strings.HasSuffix(rest, " HEADERS"):
			role, rest = "HEADER", strings.TrimSuffix(rest, " HEADERS")
		case strings.Contains(rest, " HEADER('"):
			role, rest = "HEADER", rest[:strings.Index(rest, " HEADER('")]
		}
		out = append(out, Column{Name: name, Type: strings.TrimSpace(rest), Role: role})
	}
	return out
}

func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '`' || c == '\'':
			inQuote = c
		case c == '<' || c == '(':
			depth++
		case c == '>' || c == ')':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

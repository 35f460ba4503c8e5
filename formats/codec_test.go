package formats

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestCodec runs the datadriven files in testdata/. Commands:
//
//	codec format=JSON [key] [wrap=true|false] [delimiter=X]
//	<one "NAME TYPE" column per line>
//	----
//	ok | error: <SQLSTATE> <message>
//
// defines the codec the following commands use;
//
//	encode
//	<one row per line, as a JSON array>
//	----
//	<the bytes per row: "text", hex:..., <nil>, or error: ...>
//
//	decode
//	<one record per line: "text" (Go quoted) or hex:...>
//	----
//	<the decoded row per line, or error: ...>
//
//	roundtrip
//	<rows as for encode>
//	----
//	<bytes> -> <decoded row>
//
//	window-encode kind=time|session start=N [end=N]
//	<inner key bytes>
//	----
//	<windowed key bytes>
//
//	window-decode kind=time|session
//	<windowed key bytes, one per line>
//	----
//	<inner bytes and bounds, or error: ...>
func TestCodec(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var codec Codec
		var cols []types.Column
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "codec":
				var err error
				if cols, err = parseColumnsForTest(d.Input); err != nil {
					d.Fatalf(t, "%v", err)
				}
				var format string
				var opts Options
				d.ScanArgs(t, "format", &format)
				opts.IsKey = d.HasArg("key")
				if d.HasArg("wrap") {
					var wrap bool
					d.ScanArgs(t, "wrap", &wrap)
					opts.WrapSingle = &wrap
				}
				d.MaybeScanArgs(t, "delimiter", &opts.Delimiter)
				codec, err = NewCodec(format, cols, opts)
				if err != nil {
					codec = nil
					return showError(err)
				}
				return "ok\n"
			case "encode", "roundtrip":
				var out strings.Builder
				for _, line := range inputLines(d.Input) {
					row, err := parseRowForTest(line, cols)
					if err != nil {
						d.Fatalf(t, "%s: %v", line, err)
					}
					b, err := codec.Encode(nil, row)
					if err != nil {
						out.WriteString(showError(err))
						continue
					}
					out.WriteString(showBytesForTest(b))
					if d.Cmd == "roundtrip" {
						dst := make([]any, len(cols))
						if b == nil {
							out.WriteString(" -> (absent)\n")
							continue
						}
						if err := codec.Decode(b, dst); err != nil {
							out.WriteString(" -> " + showError(err))
							continue
						}
						out.WriteString(" -> " + showRowForTest(cols, dst))
					}
					out.WriteString("\n")
				}
				return out.String()
			case "decode":
				var out strings.Builder
				for _, line := range inputLines(d.Input) {
					data, err := parseBytesForTest(line)
					if err != nil {
						d.Fatalf(t, "%s: %v", line, err)
					}
					dst := make([]any, len(cols))
					for i := range dst {
						dst[i] = "garbage" // Decode must overwrite every column
					}
					if err := codec.Decode(data, dst); err != nil {
						out.WriteString(showError(err))
						continue
					}
					out.WriteString(showRowForTest(cols, dst) + "\n")
				}
				return out.String()
			case "window-encode", "window-decode":
				return runWindowCommand(t, d)
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

func inputLines(input string) []string {
	var lines []string
	for _, l := range strings.Split(input, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func showError(err error) string {
	if e, ok := err.(*sqlerr.Error); ok {
		return fmt.Sprintf("error: %s %s\n", e.Code, e.Message)
	}
	return fmt.Sprintf("error: (no SQLSTATE) %v\n", err)
}

func runWindowCommand(t *testing.T, d *datadriven.TestData) string {
	var kind string
	d.ScanArgs(t, "kind", &kind)
	if d.Cmd == "window-encode" {
		var start, end int64
		d.ScanArgs(t, "start", &start)
		d.MaybeScanArgs(t, "end", &end)
		inner, err := parseBytesForTest(strings.TrimSpace(d.Input))
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		if kind == "session" {
			return showBytesForTest(EncodeSessionWindowKey(nil, inner, start, end)) + "\n"
		}
		return showBytesForTest(EncodeTimeWindowKey(nil, inner, start)) + "\n"
	}
	var out strings.Builder
	for _, line := range inputLines(d.Input) {
		data, err := parseBytesForTest(line)
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		if kind == "session" {
			inner, start, end, err := DecodeSessionWindowKey(data)
			if err != nil {
				out.WriteString(showError(err))
				continue
			}
			fmt.Fprintf(&out, "inner=%s start=%d end=%d\n", showBytesForTest(inner), start, end)
			continue
		}
		inner, start, err := DecodeTimeWindowKey(data)
		if err != nil {
			out.WriteString(showError(err))
			continue
		}
		fmt.Fprintf(&out, "inner=%s start=%d\n", showBytesForTest(inner), start)
	}
	return out.String()
}

package parser

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-db/sluice/sqlerr"
)

// TestDataDriven runs testdata/*:
//
//	parse: a script -> one Format() line per statement, or the error
//	expr:  an expression -> FormatExpr
//	tree:  an expression -> its nodes with positions
//	type:  a type -> its String()
//
// Every successful parse is also checked to read back from its own Format.
func TestDataDriven(t *testing.T) {
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if strings.HasPrefix(filepath.Base(path), "qtt_") {
			continue // the corpus ratchet of TestQTTCorpus
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				p := New()
				switch d.Cmd {
				case "parse":
					stmts, err := p.ParseScript(d.Input)
					if err != nil {
						return formatErr(t, d.Input, err)
					}
					var b strings.Builder
					for _, s := range stmts {
						f := Format(s)
						checkRoundTrip(t, p, f)
						b.WriteString(f + "\n")
					}
					return b.String()
				case "expr", "tree":
					e, err := p.ParseExpr(d.Input)
					if err != nil {
						return formatErr(t, d.Input, err)
					}
					f := FormatExpr(e)
					if again, err := p.ParseExpr(f); err != nil || FormatExpr(again) != f {
						t.Errorf("%s does not read back: %v", f, err)
					}
					if d.Cmd == "tree" {
						var b strings.Builder
						dumpTree(&b, d.Input, reflect.ValueOf(e), 0)
						return b.String()
					}
					return f + "\n"
				case "type":
					typ, err := ParseType(d.Input)
					if err != nil {
						return formatErr(t, d.Input, err)
					}
					return typ.String() + "\n"
				}
				t.Fatalf("unknown command %s", d.Cmd)
				return ""
			})
		})
	}
}

func checkRoundTrip(t *testing.T, p *Parser, f string) {
	t.Helper()
	again, err := p.ParseScript(f)
	if err != nil {
		t.Errorf("Format output does not parse: %s: %v", f, err)
		return
	}
	if len(again) != 1 || Format(again[0]) != f {
		t.Errorf("Format output does not read back:\n  %s", f)
	}
}

// formatErr renders a parse error with a caret under its position.
func formatErr(t *testing.T, input string, err error) string {
	t.Helper()
	e, ok := err.(*sqlerr.Error)
	if !ok {
		t.Fatalf("error is %T, not *sqlerr.Error: %v", err, err)
	}
	if e.Position < 0 || e.Position > len(input) {
		t.Fatalf("error position %d outside the input", e.Position)
	}
	return fmt.Sprintf("error %s at %d: %s\n", e.Code, e.Position, e.Message)
}

// dumpTree prints expression nodes with the text at their positions.
func dumpTree(b *strings.Builder, src string, v reflect.Value, depth int) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		for i := 0; i < v.Len(); i++ {
			dumpTree(b, src, v.Index(i), depth)
		}
		return
	}
	if v.Kind() != reflect.Struct {
		return
	}
	pf := v.FieldByName("P")
	if !pf.IsValid() {
		for i := 0; i < v.NumField(); i++ {
			dumpTree(b, src, v.Field(i), depth)
		}
		return
	}
	pos := int(pf.FieldByName("Pos").Int())
	fmt.Fprintf(b, "%s%s @%d %q", strings.Repeat("  ", depth), v.Type().Name(), pos, src[pos:min(pos+6, len(src))])
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String, reflect.Bool, reflect.Int:
			if name := v.Type().Field(i).Name; !f.IsZero() {
				fmt.Fprintf(b, " %s=%v", name, f.Interface())
			}
		}
	}
	if lit, ok := v.Addr().Interface().(*Literal); ok {
		fmt.Fprintf(b, " %v:%s", lit.Value, lit.Type)
	}
	b.WriteString("\n")
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Name != "P" {
			dumpTree(b, src, v.Field(i), depth+1)
		}
	}
}

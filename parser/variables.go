package parser

import "strings"

// Variables (ksqlDB's DEFINE, UNDEFINE and SHOW VARIABLES): DEFINE name =
// 'value' makes ${name} stand for value in every later statement of the
// session, including inside quoted text; the value is substituted as written,
// without its quotes ('''x''' defines 'x', quotes included). The parser holds
// them because substitution happens before a statement is parsed: a script's
// DEFINE applies to the statements after it in the same script.

// Variable is one defined variable.
type Variable struct{ Name, Value string }

// DefineVariable is DEFINE name = 'value'.
type DefineVariable struct {
	StmtBase
	Name, Value string
}

// UndefineVariable is UNDEFINE name. Defined reports whether the variable
// existed.
type UndefineVariable struct {
	StmtBase
	Name    string
	Defined bool
}

// Variables lists the session's variables in the order they were defined.
func (p *Parser) Variables() []Variable { return append([]Variable(nil), p.vars...) }

func (p *Parser) variable(name string) (string, bool) {
	for _, v := range p.vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

func (p *Parser) define(name, value string) {
	for i, v := range p.vars {
		if v.Name == name {
			p.vars[i].Value = value
			return
		}
	}
	p.vars = append(p.vars, Variable{name, value})
}

func (p *Parser) undefine(name string) bool {
	for i, v := range p.vars {
		if v.Name == name {
			p.vars = append(p.vars[:i], p.vars[i+1:]...)
			return true
		}
	}
	return false
}

// substitute replaces each ${name} of a defined variable in text; other ${...}
// stay as written.
func (p *Parser) substitute(text string) string {
	if len(p.vars) == 0 || !strings.Contains(text, "${") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		if v, ok := p.variable(text[i+2 : i+j]); ok {
			b.WriteString(v)
		} else {
			b.WriteString(text[i : i+j+1])
		}
		text = text[i+j+1:]
	}
	b.WriteString(text)
	return b.String()
}

func parseDefine(c *cursor, base StmtBase) (Statement, error) {
	c.next() // DEFINE
	name := c.next()
	if name.Kind != tkWord || !validVariableName(name.Text) {
		return nil, expected(c.src, name, "a variable name (a letter or underscore, then letters, digits or underscores)")
	}
	if eq := c.next(); !eq.is("=") {
		return nil, expected(c.src, eq, "'='")
	}
	v := c.next()
	if v.Kind != tkString {
		return nil, expected(c.src, v, "a quoted value")
	}
	return &DefineVariable{StmtBase: base, Name: name.Text, Value: v.Text}, c.expectEnd()
}

func parseUndefine(c *cursor, base StmtBase) (Statement, error) {
	c.next() // UNDEFINE
	name := c.next()
	if name.Kind != tkWord || !validVariableName(name.Text) {
		return nil, expected(c.src, name, "a variable name")
	}
	return &UndefineVariable{StmtBase: base, Name: name.Text}, c.expectEnd()
}

func validVariableName(s string) bool {
	for i, r := range s {
		letter := r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

// noteVariables applies a parsed DEFINE or UNDEFINE to the session's variables.
func (p *Parser) noteVariables(s Statement) {
	switch s := s.(type) {
	case *DefineVariable:
		p.define(s.Name, s.Value)
	case *UndefineVariable:
		s.Defined = p.undefine(s.Name)
	}
}

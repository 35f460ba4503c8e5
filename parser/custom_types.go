package parser

import "github.com/sluice-db/sluice/types"

// CreateType is CREATE TYPE [IF NOT EXISTS] name AS type: a name for a type that
// later statements may use wherever a type is expected.
type CreateType struct {
	StmtBase
	IfNotExists bool
	Name        string
	NamePos     int
	Type        *types.Type
}

// DropType is DROP TYPE [IF EXISTS] name.
type DropType struct {
	StmtBase
	IfExists bool
	Name     string
	NamePos  int
}

// parseCreateType parses CREATE TYPE [IF NOT EXISTS] name AS type.
func parseCreateType(c *cursor, base StmtBase) (Statement, error) {
	c.next() // CREATE
	c.next() // TYPE
	st := &CreateType{StmtBase: base, IfNotExists: c.acceptSeq("IF", "NOT", "EXISTS")}
	name, err := c.expectIdent("a type name")
	if err != nil {
		return nil, err
	}
	st.Name, st.NamePos = name.ident(), name.Pos
	if _, err := c.expect("AS"); err != nil {
		return nil, err
	}
	if st.Type, err = parseType(c); err != nil {
		return nil, err
	}
	return st, c.expectEnd()
}

// parseDropType parses DROP TYPE [IF EXISTS] name.
func parseDropType(c *cursor, base StmtBase) (Statement, error) {
	c.next() // DROP
	c.next() // TYPE
	st := &DropType{StmtBase: base, IfExists: c.acceptSeq("IF", "EXISTS")}
	name, err := c.expectIdent("a type name")
	if err != nil {
		return nil, err
	}
	st.Name, st.NamePos = name.ident(), name.Pos
	return st, c.expectEnd()
}

// TypeLookup resolves the name of a custom type (CREATE TYPE).
type TypeLookup func(name string) (*types.Type, bool)

// lookupType resolves a custom type name: first the types created or dropped
// earlier in the script being parsed, then p.Types.
func (p *Parser) lookupType(name string) (*types.Type, bool) {
	if t, ok := p.scriptTypes[name]; ok {
		return t, t != nil
	}
	if p.Types == nil {
		return nil, false
	}
	return p.Types(name)
}

// noteTypes records a script's CREATE TYPE and DROP TYPE so that the statements
// after them in the same script see them.
func (p *Parser) noteTypes(s Statement) {
	switch s := s.(type) {
	case *CreateType:
		if p.scriptTypes == nil {
			p.scriptTypes = map[string]*types.Type{}
		}
		if _, exists := p.lookupType(s.Name); !exists || !s.IfNotExists {
			p.scriptTypes[s.Name] = s.Type
		}
	case *DropType:
		if p.scriptTypes == nil {
			p.scriptTypes = map[string]*types.Type{}
		}
		p.scriptTypes[s.Name] = nil
	}
}

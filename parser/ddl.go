package parser

import (
	"github.com/sluice-db/sluice/types"
)

// parseCreate parses CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS]
// name [(cols)] [WITH (...)] [AS SELECT ...].
func (p *Parser) parseCreate(c *cursor, base StmtBase) (Statement, error) {
	if c.peekAt(1).is("TYPE") {
		return parseCreateType(c, base)
	}
	c.next() // CREATE
	orReplace := c.acceptSeq("OR", "REPLACE")
	isSource := c.accept("SOURCE")
	kind, err := parseSourceKind(c)
	if err != nil {
		return nil, err
	}
	ifNotExists := c.acceptSeq("IF", "NOT", "EXISTS")
	name, err := c.expectIdent("a name")
	if err != nil {
		return nil, err
	}
	var cols []ColumnDef
	if c.peek().is("(") {
		if cols, err = parseColumnDefs(c); err != nil {
			return nil, err
		}
	}
	var props []Property
	if c.peek().is("WITH") {
		if props, err = parseProperties(c); err != nil {
			return nil, err
		}
	}
	if as := c.peek(); as.is("AS") {
		c.next()
		if cols != nil {
			return nil, syntaxErrorf(c.src, as.Pos, "CREATE ... AS SELECT cannot declare columns")
		}
		if isSource {
			return nil, syntaxErrorf(c.src, as.Pos, "CREATE SOURCE cannot be used with AS SELECT")
		}
		sel, err := p.parseSelect(c)
		if err != nil {
			return nil, err
		}
		return &CreateAsSelect{StmtBase: base, Kind: kind, OrReplace: orReplace, IfNotExists: ifNotExists,
			Name: name.ident(), NamePos: name.Pos, Props: props, Query: sel}, nil
	}
	if err := c.expectEnd(); err != nil {
		return nil, err
	}
	return &CreateSource{StmtBase: base, Kind: kind, OrReplace: orReplace, IfNotExists: ifNotExists,
		IsSource: isSource, Name: name.ident(), NamePos: name.Pos, Columns: cols, Props: props}, nil
}

func parseSourceKind(c *cursor) (SourceKind, error) {
	switch t := c.next(); {
	case t.is("STREAM"):
		return Stream, nil
	case t.is("TABLE"):
		return Table, nil
	default:
		return 0, expected(c.src, t, "STREAM or TABLE")
	}
}

// parseAlter parses ALTER STREAM|TABLE name ADD [COLUMN] col type [, ...].
func parseAlter(c *cursor, base StmtBase) (Statement, error) {
	c.next() // ALTER
	kind, err := parseSourceKind(c)
	if err != nil {
		return nil, err
	}
	name, err := c.expectIdent("a stream or table name")
	if err != nil {
		return nil, err
	}
	a := &AlterSource{StmtBase: base, Kind: kind, Name: name.ident(), NamePos: name.Pos}
	for {
		if _, err := c.expect("ADD"); err != nil {
			return nil, err
		}
		c.accept("COLUMN")
		col, err := c.expectIdent("a column name")
		if err != nil {
			return nil, err
		}
		t, err := parseType(c)
		if err != nil {
			return nil, err
		}
		a.Columns = append(a.Columns, ColumnDef{Name: col.ident(), Type: t, Role: types.ValueColumn, Pos: col.Pos})
		if !c.accept(",") {
			return a, c.expectEnd()
		}
	}
}

// parseColumnDefs parses (name type [KEY|PRIMARY KEY|HEADERS|HEADER('k')], ...).
func parseColumnDefs(c *cursor) ([]ColumnDef, error) {
	c.next() // (
	cols := []ColumnDef{}
	for {
		name, err := c.expectIdent("a column name")
		if err != nil {
			return nil, err
		}
		typ, err := parseType(c)
		if err != nil {
			return nil, err
		}
		col := ColumnDef{Name: name.ident(), Type: typ, Role: types.ValueColumn, Pos: name.Pos}
		switch {
		case c.accept("KEY"):
			col.Role = types.KeyColumn
		case c.acceptSeq("PRIMARY", "KEY"):
			col.Role, col.Primary = types.KeyColumn, true
		case c.accept("HEADERS"):
			col.Role = types.HeadersColumn
		case c.peek().is("HEADER"):
			c.next()
			if _, err := c.expect("("); err != nil {
				return nil, err
			}
			k := c.next()
			if k.Kind != tkString {
				return nil, expected(c.src, k, "a header key string")
			}
			if _, err := c.expect(")"); err != nil {
				return nil, err
			}
			col.Role, col.HeaderKey = types.HeaderColumn, k.Text
		}
		cols = append(cols, col)
		if c.accept(")") {
			return cols, nil
		}
		if _, err := c.expect(","); err != nil {
			return nil, err
		}
	}
}

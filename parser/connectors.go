package parser

import "strings"

// This file holds the connector statements of ksqlDB's grammar: CREATE
// SOURCE|SINK CONNECTOR, DROP CONNECTOR, DESCRIBE CONNECTOR and SHOW|LIST
// [SOURCE|SINK] CONNECTORS. The parser only shapes them; which connector
// classes and properties exist is the engine's business.

// ConnectorKind distinguishes source connectors from sink connectors.
type ConnectorKind uint8

const (
	AnyConnector ConnectorKind = iota // SHOW CONNECTORS without SOURCE or SINK
	SourceConnector
	SinkConnector
)

func (k ConnectorKind) String() string {
	switch k {
	case SourceConnector:
		return "SOURCE"
	case SinkConnector:
		return "SINK"
	}
	return ""
}

// CreateConnector is CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] name WITH (...).
// Property keys are as written when quoted ("connector.class"), as Kafka
// Connect's configuration keys are case-sensitive.
type CreateConnector struct {
	StmtBase
	Kind        ConnectorKind
	IfNotExists bool
	Name        string
	NamePos     int
	Props       []Property
}

// DropConnector is DROP CONNECTOR [IF EXISTS] name.
type DropConnector struct {
	StmtBase
	IfExists bool
	Name     string
	NamePos  int
}

// DescribeConnector is DESCRIBE CONNECTOR name.
type DescribeConnector struct {
	StmtBase
	Name    string
	NamePos int
}

// ShowConnectors is SHOW|LIST [SOURCE|SINK] CONNECTORS.
type ShowConnectors struct {
	StmtBase
	Kind ConnectorKind
}

// parseCreateConnector parses CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] name WITH (...).
func parseCreateConnector(c *cursor, base StmtBase) (Statement, error) {
	c.next() // CREATE
	st := &CreateConnector{StmtBase: base, Kind: SinkConnector}
	if c.next().is("SOURCE") {
		st.Kind = SourceConnector
	}
	c.next() // CONNECTOR
	st.IfNotExists = c.acceptSeq("IF", "NOT", "EXISTS")
	name, err := c.expectIdent("a connector name")
	if err != nil {
		return nil, err
	}
	st.Name, st.NamePos = name.ident(), name.Pos
	if !c.peek().is("WITH") {
		return nil, expected(c.src, c.peek(), "WITH")
	}
	if st.Props, err = parseProperties(c); err != nil {
		return nil, err
	}
	return st, c.expectEnd()
}

// parseDropConnector parses DROP CONNECTOR [IF EXISTS] name.
func parseDropConnector(c *cursor, base StmtBase) (Statement, error) {
	c.next() // DROP
	c.next() // CONNECTOR
	st := &DropConnector{StmtBase: base, IfExists: c.acceptSeq("IF", "EXISTS")}
	name, err := c.expectIdent("a connector name")
	if err != nil {
		return nil, err
	}
	st.Name, st.NamePos = name.ident(), name.Pos
	return st, c.expectEnd()
}

// parseDescribeConnector parses DESCRIBE CONNECTOR name.
func parseDescribeConnector(c *cursor, base StmtBase) (Statement, error) {
	c.next() // DESCRIBE
	c.next() // CONNECTOR
	name, err := c.expectIdent("a connector name")
	if err != nil {
		return nil, err
	}
	return &DescribeConnector{StmtBase: base, Name: name.ident(), NamePos: name.Pos}, c.expectEnd()
}

// parseShowConnectors parses SHOW|LIST [SOURCE|SINK] CONNECTORS.
func parseShowConnectors(c *cursor, base StmtBase) (Statement, error) {
	c.next() // SHOW | LIST
	st := &ShowConnectors{StmtBase: base}
	switch {
	case c.accept("SOURCE"):
		st.Kind = SourceConnector
	case c.accept("SINK"):
		st.Kind = SinkConnector
	}
	if _, err := c.expect("CONNECTORS"); err != nil {
		return nil, err
	}
	return st, c.expectEnd()
}

// isConnectorStatement reports whether the tokens after the leading keyword
// (CREATE, DROP, DESCRIBE, SHOW or LIST) start a connector statement.
func isConnectorStatement(c *cursor, lead string) bool {
	switch lead {
	case "CREATE":
		return (c.peekAt(1).is("SOURCE") || c.peekAt(1).is("SINK")) && c.peekAt(2).is("CONNECTOR")
	case "DROP", "DESCRIBE":
		return c.peekAt(1).is("CONNECTOR") && c.peekAt(2).isIdent()
	case "SHOW", "LIST":
		return c.peekAt(1).is("CONNECTORS") ||
			((c.peekAt(1).is("SOURCE") || c.peekAt(1).is("SINK")) && c.peekAt(2).is("CONNECTORS"))
	}
	return false
}

// parseConnectorStatement parses a statement isConnectorStatement recognized.
func parseConnectorStatement(c *cursor, base StmtBase, lead string) (Statement, error) {
	switch lead {
	case "CREATE":
		return parseCreateConnector(c, base)
	case "DROP":
		return parseDropConnector(c, base)
	case "DESCRIBE":
		return parseDescribeConnector(c, base)
	}
	return parseShowConnectors(c, base)
}

func formatConnectorStmt(b *strings.Builder, s Statement) bool {
	switch s := s.(type) {
	case *CreateConnector:
		b.WriteString("CREATE " + s.Kind.String() + " CONNECTOR " + cond(s.IfNotExists, "IF NOT EXISTS ", "") + FormatIdent(s.Name))
		formatProps(b, s.Props)
	case *DropConnector:
		b.WriteString("DROP CONNECTOR " + cond(s.IfExists, "IF EXISTS ", "") + FormatIdent(s.Name))
	case *DescribeConnector:
		b.WriteString("DESCRIBE CONNECTOR " + FormatIdent(s.Name))
	case *ShowConnectors:
		b.WriteString("SHOW " + cond(s.Kind == AnyConnector, "", s.Kind.String()+" ") + "CONNECTORS")
	default:
		return false
	}
	return true
}

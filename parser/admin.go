package parser

import (
	"math"
	"strings"
	"time"
)

// This file holds the small administrative statements: SHOW/LIST, DESCRIBE,
// DROP, TERMINATE, SET, UNSET, PRINT and EXPLAIN.

var showKinds = map[string]ShowKind{
	"STREAMS": ShowStreams, "TABLES": ShowTables, "QUERIES": ShowQueries, "TOPICS": ShowTopics,
	"FUNCTIONS": ShowFunctions, "PROPERTIES": ShowProperties, "TYPES": ShowTypes, "VARIABLES": ShowVariables,
	"CLUSTER": ShowCluster,
}

func parseShow(c *cursor, base StmtBase) (Statement, error) {
	c.next() // SHOW | LIST
	s := &Show{StmtBase: base}
	s.All = c.accept("ALL")
	t := c.next()
	what, ok := showKinds[t.upper()]
	if t.Kind != tkWord || !ok || (s.All && what != ShowTopics) {
		return nil, expected(c.src, t, "STREAMS, TABLES, QUERIES, TOPICS, FUNCTIONS, PROPERTIES, TYPES, VARIABLES or CLUSTER")
	}
	s.What = what
	s.Extended = c.accept("EXTENDED")
	return s, c.expectEnd()
}

func parseDescribe(c *cursor, base StmtBase) (Statement, error) {
	c.next() // DESCRIBE
	if c.peek().is("FUNCTION") && c.peekAt(1).isIdent() {
		c.next()
		name := c.next()
		return &DescribeFunction{StmtBase: base, Name: name.ident()}, c.expectEnd()
	}
	d := &Describe{StmtBase: base}
	d.Extended = c.accept("EXTENDED")
	for _, k := range [...]SourceKind{Stream, Table} {
		if c.peek().is(k.String()+"S") && (c.peekAt(1).Kind == tkEOF || c.peekAt(1).is("EXTENDED")) {
			c.next()
			d.AllOf = &k
			d.Extended = d.Extended || c.accept("EXTENDED")
			return d, c.expectEnd()
		}
	}
	name, err := c.expectIdent("a stream or table name")
	if err != nil {
		return nil, err
	}
	d.Name, d.NamePos = name.ident(), name.Pos
	d.Extended = d.Extended || c.accept("EXTENDED")
	return d, c.expectEnd()
}

func parseDrop(c *cursor, base StmtBase) (Statement, error) {
	if c.peekAt(1).is("TYPE") {
		return parseDropType(c, base)
	}
	c.next() // DROP
	kind, err := parseSourceKind(c)
	if err != nil {
		return nil, err
	}
	d := &Drop{StmtBase: base, Kind: kind}
	d.IfExists = c.acceptSeq("IF", "EXISTS")
	name, err := c.expectIdent("a name")
	if err != nil {
		return nil, err
	}
	d.Name, d.NamePos = name.ident(), name.Pos
	d.DeleteTopic = c.acceptSeq("DELETE", "TOPIC")
	return d, c.expectEnd()
}

func parseTerminate(c *cursor, base StmtBase) (Statement, error) {
	c.next() // TERMINATE
	t := &Terminate{StmtBase: base}
	if c.accept("ALL") {
		t.All = true
		return t, c.expectEnd()
	}
	id, err := c.expectIdent("a query id or ALL")
	if err != nil {
		return nil, err
	}
	t.QueryID = id.ident()
	return t, c.expectEnd()
}

// parseRun parses RUN SCRIPT 'file'.
func parseRun(c *cursor, base StmtBase) (Statement, error) {
	c.next() // RUN
	if _, err := c.expect("SCRIPT"); err != nil {
		return nil, err
	}
	t := c.next()
	if t.Kind != tkString {
		return nil, expected(c.src, t, "the script's file name as a string")
	}
	return &RunScript{StmtBase: base, Path: t.Text, PathPos: t.Pos}, c.expectEnd()
}

// parsePauseResume parses PAUSE query_id|ALL and RESUME query_id|ALL.
func parsePauseResume(c *cursor, base StmtBase) (Statement, error) {
	p := &PauseResume{StmtBase: base, Resume: c.next().is("RESUME")}
	if c.accept("ALL") {
		p.All = true
		return p, c.expectEnd()
	}
	id, err := c.expectIdent("a query id or ALL")
	if err != nil {
		return nil, err
	}
	p.QueryID = id.ident()
	return p, c.expectEnd()
}

// parseAwait parses AWAIT IDLE [TIMEOUT n unit].
func parseAwait(c *cursor, base StmtBase) (Statement, error) {
	c.next() // AWAIT
	if _, err := c.expect("IDLE"); err != nil {
		return nil, err
	}
	a := &AwaitIdle{StmtBase: base}
	if c.accept("TIMEOUT") {
		d, err := parseDuration(c)
		if err != nil {
			return nil, err
		}
		a.Timeout = d
	}
	return a, c.expectEnd()
}

// parseAssert parses ASSERT [NOT EXISTS] TOPIC ... and ASSERT [NOT EXISTS]
// SCHEMA .... Names keep their case, as topic and subject names are
// case-sensitive (quote a name that is not an identifier: `orders-value`).
func parseAssert(c *cursor, base StmtBase) (Statement, error) {
	c.next() // ASSERT
	notExists := c.acceptSeq("NOT", "EXISTS")
	name := func(what string) (string, error) {
		t := c.next()
		if !t.isIdent() && t.Kind != tkString {
			return "", expected(c.src, t, what)
		}
		return t.Text, nil
	}
	timeout := func() (time.Duration, error) {
		if !c.accept("TIMEOUT") {
			return 0, nil
		}
		return parseDuration(c)
	}
	switch kw := c.next(); kw.upper() {
	case "TOPIC":
		a := &AssertTopic{StmtBase: base, NotExists: notExists}
		var err error
		if a.Topic, err = name("a topic name"); err != nil {
			return nil, err
		}
		if c.peek().is("WITH") {
			if a.Props, err = parseProperties(c); err != nil {
				return nil, err
			}
		}
		if a.Timeout, err = timeout(); err != nil {
			return nil, err
		}
		return a, c.expectEnd()
	case "SCHEMA":
		a := &AssertSchema{StmtBase: base, NotExists: notExists}
		var err error
		if c.accept("SUBJECT") {
			if a.Subject, err = name("a subject name"); err != nil {
				return nil, err
			}
		}
		if c.accept("ID") {
			n, nt, err := c.expectInt("a schema id")
			if err != nil {
				return nil, err
			}
			if n < 1 || n > math.MaxInt32 {
				return nil, syntaxErrorf(c.src, nt.Pos, "invalid schema id %s", nt.Text)
			}
			a.ID = int(n)
		}
		if a.Subject == "" && a.ID == 0 {
			return nil, syntaxErrorf(c.src, kw.Pos, "ASSERT SCHEMA statements must include a subject name or an id")
		}
		if a.Timeout, err = timeout(); err != nil {
			return nil, err
		}
		return a, c.expectEnd()
	default:
		return nil, expected(c.src, kw, "TOPIC or SCHEMA")
	}
}

// parseSet parses SET 'p' = 'v', and the Postgres form SET name = value /
// SET name TO value (the name lower-cased, as Postgres clients send it).
func parseSet(c *cursor, base StmtBase) (Statement, error) {
	c.next() // SET
	s := &SetProperty{StmtBase: base}
	switch n := c.next(); n.Kind {
	case tkString:
		s.Name = n.Text
		if _, err := c.expect("="); err != nil {
			return nil, err
		}
	case tkWord, tkQIdent:
		s.Name = strings.ToLower(n.Text)
		if n.Kind == tkQIdent {
			s.Name = n.Text
		}
		for c.accept(".") { // SET search_path.x, session.foo
			part, err := c.expectIdent("a name")
			if err != nil {
				return nil, err
			}
			s.Name += "." + strings.ToLower(part.Text)
		}
		if !c.accept("=") && !c.accept("TO") {
			return nil, expected(c.src, c.peek(), "= or TO")
		}
	default:
		return nil, expected(c.src, n, "a property name")
	}
	v := c.next()
	switch v.Kind {
	case tkString, tkWord, tkNumber, tkQIdent:
		s.Value = v.Text
	default:
		if v.is("-") && c.peek().Kind == tkNumber {
			s.Value = "-" + c.next().Text
			break
		}
		return nil, expected(c.src, v, "a value")
	}
	return s, c.expectEnd()
}

func parseUnset(c *cursor, base StmtBase) (Statement, error) {
	c.next() // UNSET
	n := c.next()
	if n.Kind != tkString {
		return nil, expected(c.src, n, "a quoted property name")
	}
	return &UnsetProperty{StmtBase: base, Name: n.Text}, c.expectEnd()
}

func parsePrint(c *cursor, base StmtBase) (Statement, error) {
	c.next() // PRINT
	p := &Print{StmtBase: base, Limit: -1}
	switch t := c.next(); t.Kind {
	case tkString, tkQIdent, tkWord:
		p.Topic = t.Text
	default:
		return nil, expected(c.src, t, "a topic name")
	}
	p.FromBeginning = c.acceptSeq("FROM", "BEGINNING")
	if c.accept("INTERVAL") || c.accept("SAMPLE") {
		n, _, err := c.expectInt("an interval")
		if err != nil {
			return nil, err
		}
		p.Interval = n
	}
	if c.accept("LIMIT") {
		n, _, err := c.expectInt("a limit")
		if err != nil {
			return nil, err
		}
		p.Limit = n
	}
	return p, c.expectEnd()
}

// parseExplain parses EXPLAIN <statement> or EXPLAIN query_id.
func (p *Parser) parseExplain(c *cursor, base StmtBase) (Statement, error) {
	c.next() // EXPLAIN
	t := c.peek()
	if t.isIdent() && c.peekAt(1).Kind == tkEOF {
		switch t.upper() {
		case "SELECT", "CREATE", "INSERT":
		default:
			c.next()
			return &Explain{StmtBase: base, QueryID: t.ident()}, nil
		}
	}
	switch t.upper() {
	case "SELECT", "CREATE", "INSERT":
	default:
		return nil, expected(c.src, t, "a query id, SELECT, CREATE or INSERT")
	}
	inner, err := p.parseStatement(c.src, c.rest())
	if err != nil {
		return nil, err
	}
	return &Explain{StmtBase: base, Statement: inner}, nil
}

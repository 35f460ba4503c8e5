package parser

import "strconv"

// cursor walks the tokens of one statement for the hand-written grammars.
// toks always ends with a tkEOF token, so peeking never runs off the end.
type cursor struct {
	src   string // the whole script, for error messages
	toks  []token
	i     int
	types TypeLookup // custom types; nil knows none
}

func (c *cursor) peek() token { return c.toks[c.i] }

// peekAt looks n tokens ahead, returning EOF past the end.
func (c *cursor) peekAt(n int) token {
	if c.i+n < len(c.toks) {
		return c.toks[c.i+n]
	}
	return c.toks[len(c.toks)-1]
}

func (c *cursor) next() token {
	t := c.toks[c.i]
	if t.Kind != tkEOF {
		c.i++
	}
	return t
}

// accept consumes the next token if it is the keyword or operator kw.
func (c *cursor) accept(kw string) bool {
	if c.peek().is(kw) {
		c.i++
		return true
	}
	return false
}

// acceptSeq consumes kws if the next tokens are exactly them.
func (c *cursor) acceptSeq(kws ...string) bool {
	for n, kw := range kws {
		if !c.peekAt(n).is(kw) {
			return false
		}
	}
	c.i += len(kws)
	return true
}

func (c *cursor) expect(kw string) (token, error) {
	t := c.peek()
	if !t.is(kw) {
		return t, expected(c.src, t, kw)
	}
	return c.next(), nil
}

// expectIdent consumes an identifier (quoted or not).
func (c *cursor) expectIdent(what string) (token, error) {
	t := c.peek()
	if !t.isIdent() {
		return t, expected(c.src, t, what)
	}
	return c.next(), nil
}

// expectEnd fails unless every token has been consumed.
func (c *cursor) expectEnd() error {
	if t := c.peek(); t.Kind != tkEOF {
		return unexpected(c.src, t)
	}
	return nil
}

// expectInt consumes an integer literal.
func (c *cursor) expectInt(what string) (int64, token, error) {
	t := c.peek()
	if t.Kind != tkNumber {
		return 0, t, expected(c.src, t, what)
	}
	n, err := strconv.ParseInt(t.Text, 10, 64)
	if err != nil {
		return 0, t, syntaxErrorf(c.src, t.Pos, "invalid %s: %s", what, t.Text)
	}
	c.next()
	return n, t, nil
}

// rest returns the unconsumed tokens, ending with EOF.
func (c *cursor) rest() []token { return c.toks[c.i:] }

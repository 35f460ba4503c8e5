package parser

import (
	"math"
	"time"
)

// parseDuration parses "n unit" with a ksqlDB window unit.
func parseDuration(c *cursor) (time.Duration, error) {
	n, nt, err := c.expectInt("a duration")
	if err != nil {
		return 0, err
	}
	u := c.peek()
	ms := timeUnits[u.upper()]
	if u.Kind != tkWord || ms == 0 {
		return 0, expected(c.src, u, "a time unit (DAYS, HOURS, MINUTES, SECONDS, MILLISECONDS)")
	}
	c.next()
	// A duration is held in nanoseconds: about 292 years at most. A larger
	// one would wrap to a small or negative window.
	if n > int64(math.MaxInt64/time.Millisecond)/ms {
		return 0, syntaxErrorf(c.src, nt.Pos, "%s %s is too long a duration: at most %d days", nt.Text, u.Text, int64(math.MaxInt64/time.Millisecond)/86400000)
	}
	return time.Duration(n*ms) * time.Millisecond, nil
}

// parseWindow parses TUMBLING|HOPPING|SESSION (...) after WINDOW at kw.
func parseWindow(c *cursor, kw token) (*WindowSpec, error) {
	w := &WindowSpec{Pos: kw.Pos}
	kind := c.next()
	switch kind.upper() {
	case "TUMBLING":
		w.Kind = Tumbling
	case "HOPPING":
		w.Kind = Hopping
	case "SESSION":
		w.Kind = Session
	}
	if _, err := c.expect("("); err != nil {
		return nil, err
	}
	var err error
	if w.Kind != Session {
		if _, err := c.expect("SIZE"); err != nil {
			return nil, err
		}
	}
	if w.Size, err = parseDuration(c); err != nil {
		return nil, err
	}
	if w.Kind == Hopping {
		if _, err := c.expect(","); err != nil {
			return nil, err
		}
		if !c.acceptSeq("ADVANCE", "BY") {
			return nil, expected(c.src, c.peek(), "ADVANCE BY")
		}
		if w.Advance, err = parseDuration(c); err != nil {
			return nil, err
		}
	}
	for c.accept(",") {
		switch {
		case c.accept("RETENTION"):
			if w.Retention, err = parseDuration(c); err != nil {
				return nil, err
			}
			w.HasRetention = true
		case c.acceptSeq("GRACE", "PERIOD"):
			if w.Grace, err = parseDuration(c); err != nil {
				return nil, err
			}
			w.HasGrace = true
		default:
			return nil, expected(c.src, c.peek(), "RETENTION or GRACE PERIOD")
		}
	}
	if _, err := c.expect(")"); err != nil {
		return nil, err
	}
	return w, nil
}

// parseWithin parses what follows WITHIN: n unit | (before, after), then an
// optional GRACE PERIOD.
func parseWithin(c *cursor) (*JoinWindow, error) {
	w := &JoinWindow{}
	var err error
	if c.accept("(") {
		if w.Before, err = parseDuration(c); err != nil {
			return nil, err
		}
		if _, err := c.expect(","); err != nil {
			return nil, err
		}
		if w.After, err = parseDuration(c); err != nil {
			return nil, err
		}
		if _, err := c.expect(")"); err != nil {
			return nil, err
		}
	} else {
		if w.Before, err = parseDuration(c); err != nil {
			return nil, err
		}
		w.After = w.Before
	}
	if c.acceptSeq("GRACE", "PERIOD") {
		if w.Grace, err = parseDuration(c); err != nil {
			return nil, err
		}
		w.HasGrace = true
	}
	return w, nil
}

// ParseDuration parses a duration written as in a window clause ("30 SECONDS"),
// as the WINDOW_SIZE property carries it.
func ParseDuration(text string) (time.Duration, error) {
	toks, err := lex(text)
	if err != nil {
		return 0, err
	}
	c := &cursor{src: text, toks: toks}
	d, err := parseDuration(c)
	if err != nil {
		return 0, err
	}
	if err := c.expectEnd(); err != nil {
		return 0, err
	}
	return d, nil
}

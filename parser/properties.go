package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// parseProperties parses WITH (KEY = value, ...). Keys are upper-cased (quoted
// keys keep their case); values are string, int64, float64, *apd.Decimal or bool.
func parseProperties(c *cursor) ([]Property, error) {
	c.next() // WITH
	if _, err := c.expect("("); err != nil {
		return nil, err
	}
	var props []Property
	for {
		k := c.next()
		var key string
		switch k.Kind {
		case tkWord:
			key = k.upper()
		case tkQIdent, tkString:
			key = k.Text
		default:
			return nil, expected(c.src, k, "a property name")
		}
		if _, err := c.expect("="); err != nil {
			return nil, err
		}
		v, err := parsePropertyValue(c)
		if err != nil {
			return nil, err
		}
		props = append(props, Property{Key: key, Value: v, Pos: k.Pos})
		if c.accept(")") {
			return props, nil
		}
		if _, err := c.expect(","); err != nil {
			return nil, err
		}
	}
}

func parsePropertyValue(c *cursor) (any, error) {
	t := c.next()
	neg := false
	if t.is("-") {
		neg, t = true, c.next()
		if t.Kind != tkNumber {
			return nil, expected(c.src, t, "a number")
		}
	}
	switch t.Kind {
	case tkString:
		return t.Text, nil
	case tkNumber:
		v, err := numberValue(t.Text)
		if err != nil {
			return nil, syntaxErrorf(c.src, t.Pos, "%v", err)
		}
		if neg {
			switch n := v.(type) {
			case int32:
				return -int64(n), nil
			case int64:
				return -n, nil
			case float64:
				return -n, nil
			case *apd.Decimal:
				return n.Neg(n), nil
			}
		}
		if n, ok := v.(int32); ok {
			return int64(n), nil
		}
		return v, nil
	case tkWord:
		switch t.upper() {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
	}
	return nil, expected(c.src, t, "a property value")
}

// numberValue types a numeric literal the ksqlDB way: integers are int32 when
// they fit and int64 otherwise, a decimal point makes an exact *apd.Decimal
// with the written scale, an exponent makes a float64.
func numberValue(text string) (any, error) {
	if strings.ContainsAny(text, "eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("Number overflows DOUBLE: %s", text)
		}
		return f, nil
	}
	if strings.Contains(text, ".") {
		d, _, err := apd.NewFromString(text)
		return d, err
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("Invalid numeric literal: %s", text)
	}
	if n == int64(int32(n)) {
		return int32(n), nil
	}
	return n, nil
}

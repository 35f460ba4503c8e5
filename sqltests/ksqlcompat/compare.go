package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strings"
)

// Values on both sides of a comparison are decoded JSON with numbers kept as
// json.Number text (decodeJSON), plus []byte for KAFKA BYTES. Numbers are then
// typed the way Jackson types them: an integer literal is an int or long (or a
// BigInteger when too large), anything with a fraction or exponent an exact
// BigDecimal whose scale matters.

type numKind uint8

const (
	numLong numKind = iota // Integer or Long
	numBigInt
	numDecimal
)

type number struct {
	kind     numKind
	unscaled *big.Int
	scale    int32
}

func parseNumber(text string) (number, bool) {
	if !strings.ContainsAny(text, ".eE") {
		v, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return number{}, false
		}
		k := numLong
		if !v.IsInt64() {
			k = numBigInt
		}
		return number{kind: k, unscaled: v}, true
	}
	mant, exp := text, int64(0)
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		mant = text[:i]
		e, ok := new(big.Int).SetString(strings.TrimPrefix(text[i+1:], "+"), 10)
		if !ok || !e.IsInt64() {
			return number{}, false
		}
		exp = e.Int64()
	}
	scale := int64(0)
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		scale = int64(len(mant) - i - 1)
		mant = mant[:i] + mant[i+1:]
	}
	v, ok := new(big.Int).SetString(mant, 10)
	if !ok {
		return number{}, false
	}
	return number{kind: numDecimal, unscaled: v, scale: int32(scale - exp)}, true
}

// truncated returns n's integer part (toward zero), as intValue/longValue do
// before they wrap; wrapping never matters for the test data.
func (n number) truncated() *big.Int {
	if n.kind != numDecimal {
		return n.unscaled
	}
	if n.scale <= 0 {
		return new(big.Int).Mul(n.unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n.scale)), nil))
	}
	return new(big.Int).Quo(n.unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.scale)), nil))
}

func (n number) float() float64 {
	f, _ := new(big.Float).SetInt(n.unscaled).Float64()
	return f / math.Pow10(int(n.scale))
}

// decimalEqual is BigDecimal.equals: same value and same scale.
func decimalEqual(a, b number) bool {
	return a.scale == b.scale && a.unscaled.Cmp(b.unscaled) == 0
}

// numbersMatch applies ksqlDB's comparator to an expected and an actual number.
func numbersMatch(exp, act number, floatMode bool) bool {
	if floatMode {
		return math.Abs(exp.float()-act.float()) < 1e-6
	}
	switch act.kind {
	case numLong:
		return exp.truncated().Cmp(act.unscaled) == 0
	case numDecimal:
		if exp.kind != numDecimal {
			return act.scale <= 0 && exp.unscaled.Cmp(act.truncated()) == 0
		}
		return decimalEqual(exp, act)
	}
	return false
}

// valuesMatch compares an expected value with an actual one by the comparator's rules.
func valuesMatch(exp, act any, floatMode bool) bool {
	switch e := exp.(type) {
	case nil:
		return act == nil
	case bool:
		a, ok := act.(bool)
		return ok && a == e
	case json.Number:
		if f, ok := act.(float64); ok {
			// An actual Double (AVRO's double): ksqlDB's comparator allows 1e-6.
			en, ok := parseNumber(string(e))
			return ok && math.Abs(en.float()-f) < 1e-6
		}
		a, ok := act.(json.Number)
		if !ok {
			return false
		}
		en, ok1 := parseNumber(string(e))
		an, ok2 := parseNumber(string(a))
		return ok1 && ok2 && numbersMatch(en, an, floatMode)
	case string:
		switch a := act.(type) {
		case string:
			return a == e
		case json.Number:
			en, ok1 := parseNumber(e)
			an, ok2 := parseNumber(string(a))
			return ok1 && ok2 && an.kind == numDecimal && decimalEqual(en, an)
		case []byte:
			return base64.StdEncoding.EncodeToString(a) == e
		}
		return false
	case []any:
		a, ok := act.([]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for i := range e {
			if !valuesMatch(e[i], a[i], floatMode) {
				return false
			}
		}
		return true
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for k, ev := range e {
			// A field missing from the actual record reads as null (Java's Map.get),
			// so an expected null matches it: cast.json "of nulls" relies on this.
			av, found := a[k]
			if !found {
				av = a[strings.ToUpper(k)]
			}
			if !valuesMatch(ev, av, floatMode) {
				return false
			}
		}
		return true
	}
	return false
}

// decodeJSON parses JSON text keeping numbers as their literal text.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

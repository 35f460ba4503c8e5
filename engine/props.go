package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/sqlerr"
)

// Session properties. SET 'name'='value' and --config name=value accept the
// properties below (each also under ksqlDB's "ksql.streams." prefix where
// ksqlDB passes it to Kafka Streams) and any other "ksql." property, ksqlDB's
// own namespace, whose meaning the planner and functions look up. Anything
// else is a misspelling or a setting Sluice does not have, and is refused with
// the list of known names rather than silently ignored.

// Property names.
const (
	propOffsetReset    = "auto.offset.reset"
	propGuarantee      = "processing.guarantee"
	propCommitInterval = "commit.interval.ms"
	propTxnTimeout     = "transaction.timeout.ms"
	// cacheProperty (cache.max.bytes.buffering) is in ddl.go.
)

// Values of processing.guarantee, as ksqlDB names them; exactly_once is the
// older name of exactly_once_v2, which ksqlDB still accepts.
const (
	atLeastOnce   = "at_least_once"
	exactlyOnce   = "exactly_once"
	exactlyOnceV2 = "exactly_once_v2"
)

// Defaults under exactly-once, as Kafka Streams (and so ksqlDB) sets them: a
// 100 ms commit interval and a 10 s transaction timeout, which bounds how long
// a crashed node's open transaction can hold back read_committed readers.
const (
	defaultEOSCommitInterval = 100 * time.Millisecond
	defaultTxnTimeout        = 10 * time.Second
)

// property is one known session property.
type property struct {
	name string
	// streams is set for Kafka Streams settings, which ksqlDB also accepts
	// under "ksql.streams.".
	streams bool
	check   func(value string) error
}

func knownProperties() []property {
	return []property{
		{name: propOffsetReset, check: oneOf("earliest", "latest")},
		{name: propGuarantee, streams: true, check: oneOf(atLeastOnce, exactlyOnce, exactlyOnceV2)},
		{name: propCommitInterval, streams: true, check: nonNegativeInt},
		{name: cacheProperty, streams: true, check: nonNegativeInt},
		{name: propTxnTimeout, streams: true, check: positiveInt},
		{name: propStandbys, streams: true, check: nonNegativeInt},
		{name: propRetryInitial, check: positiveInt},
		{name: propRetryMax, check: positiveInt},
	}
}

// checkProperty validates a property set by SET or --config.
func checkProperty(name, value string) error {
	for _, p := range knownProperties() {
		if name == p.name || p.streams && name == "ksql.streams."+p.name {
			if err := p.check(strings.TrimSpace(value)); err != nil {
				return sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (%v)", name, value, err)
			}
			return nil
		}
	}
	if strings.HasPrefix(name, "ksql.") {
		return nil
	}
	var names []string
	for _, p := range knownProperties() {
		names = append(names, p.name)
		if p.streams {
			names = append(names, "ksql.streams."+p.name)
		}
	}
	slices.Sort(names)
	return sqlerr.Newf(sqlerr.UndefinedObject, "unknown property %q; the known properties are %s, and ksqlDB's ksql.* properties", name, strings.Join(names, ", "))
}

// lookupProperty returns a property's value under its own name or ksqlDB's
// "ksql.streams." name.
func lookupProperty(props map[string]string, name string) (string, bool) {
	if v, ok := props["ksql.streams."+name]; ok {
		return strings.TrimSpace(v), true
	}
	v, ok := props[name]
	return strings.TrimSpace(v), ok
}

// guarantee is what a persistent query promises about its outputs.
type guarantee struct {
	exactlyOnce    bool
	commitInterval time.Duration // 0: every poll
	txnTimeout     time.Duration
}

// guaranteeOf reads processing.guarantee and the commit settings from a
// statement's properties: at-least-once, committing every poll, unless
// exactly_once_v2 is asked, where commits are 100 ms apart by default.
func guaranteeOf(props map[string]string) (guarantee, error) {
	var g guarantee
	if v, ok := lookupProperty(props, propGuarantee); ok {
		if err := oneOf(atLeastOnce, exactlyOnce, exactlyOnceV2)(v); err != nil {
			return g, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (%v)", propGuarantee, v, err)
		}
		g.exactlyOnce = strings.ToLower(v) != atLeastOnce
	}
	if g.exactlyOnce {
		g.commitInterval, g.txnTimeout = defaultEOSCommitInterval, defaultTxnTimeout
	}
	if v, ok := lookupProperty(props, propCommitInterval); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return g, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (a number of milliseconds)", propCommitInterval, v)
		}
		g.commitInterval = time.Duration(n) * time.Millisecond
	}
	if v, ok := lookupProperty(props, propTxnTimeout); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return g, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (a number of milliseconds)", propTxnTimeout, v)
		}
		g.txnTimeout = time.Duration(n) * time.Millisecond
	}
	return g, nil
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(values, strings.ToLower(v)) {
			return nil
		}
		return fmt.Errorf("one of %s", strings.Join(values, ", "))
	}
}

func nonNegativeInt(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
		return fmt.Errorf("a whole number, 0 or more")
	}
	return nil
}

func positiveInt(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
		return fmt.Errorf("a whole number above 0")
	}
	return nil
}

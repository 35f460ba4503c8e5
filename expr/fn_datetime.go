package expr

import (
	"strings"
	"time"

	"github.com/sluice-db/sluice/types"
)

func registerDateTimeFunctions(r *Registry) {
	dt := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "DATE / TIME", description: desc, overloads: os})
	}
	fmtTS := func(a []any) (any, error) {
		t, err := inZone(a[0].(types.Timestamp).GoTime(), a, 2)
		if err != nil {
			return nil, err
		}
		return formatWith(a[1].(string), t)
	}
	dt("FORMAT_TIMESTAMP", "Formats a TIMESTAMP with a Java DateTimeFormatter pattern, in UTC or a time zone.",
		sig(tString, fmtTS, p("timestamp", tTS), p("format", tString)),
		sig(tString, fmtTS, p("timestamp", tTS), p("format", tString), p("timeZone", tString)))
	parseTS := func(a []any) (any, error) {
		t, err := parseWith(a, 2)
		if err != nil {
			return nil, err
		}
		return types.Timestamp(t.UnixMilli()), nil
	}
	dt("PARSE_TIMESTAMP", "Parses a string into a TIMESTAMP with a Java DateTimeFormatter pattern.",
		sig(tTS, parseTS, p("formattedTimestamp", tString), p("format", tString)),
		sig(tTS, parseTS, p("formattedTimestamp", tString), p("format", tString), p("timeZone", tString)))
	msToString := func(a []any) (any, error) {
		t, err := inZone(time.UnixMilli(a[0].(int64)).UTC(), a, 2)
		if err != nil {
			return nil, err
		}
		return formatWith(a[1].(string), t)
	}
	dt("TIMESTAMPTOSTRING", "Formats epoch milliseconds with a Java DateTimeFormatter pattern (deprecated).",
		sig(tString, msToString, p("epochMilli", tBigInt), p("format", tString)),
		sig(tString, msToString, p("epochMilli", tBigInt), p("format", tString), p("timeZone", tString)))
	stringToMs := func(a []any) (any, error) {
		t, err := parseWith(a, 2)
		if err != nil {
			return nil, err
		}
		return t.UnixMilli(), nil
	}
	dt("STRINGTOTIMESTAMP", "Parses a string into epoch milliseconds (deprecated).",
		sig(tBigInt, stringToMs, p("formattedTimestamp", tString), p("format", tString)),
		sig(tBigInt, stringToMs, p("formattedTimestamp", tString), p("format", tString), p("timeZone", tString)))
	dt("FORMAT_DATE", "Formats a DATE with a Java DateTimeFormatter pattern.",
		sig(tString, func(a []any) (any, error) {
			return formatWith(a[1].(string), dateGoTime(a[0].(types.Date)))
		}, p("date", tDate), p("format", tString)))
	// PARSE_DATE reads the pattern from the start of the text in GMT and ignores
	// what follows (ksqlDB parses with FastDateFormat); a time of day is an error.
	dt("PARSE_DATE", "Parses a string into a DATE.",
		sig(tDate, func(a []any) (any, error) {
			jp, err := compileJavaPattern(a[1].(string))
			if err != nil {
				return nil, evalErrorf("%v", err)
			}
			t, err := jp.parsePrefix(a[0].(string), time.UTC)
			if err != nil {
				return nil, evalErrorf("Failed to parse date '%s' with formatter '%s': %v", a[0], a[1], err)
			}
			if t.UnixMilli()%msPerDay != 0 {
				return nil, evalErrorf("Date format contains time field.")
			}
			return timestampToDate(types.Timestamp(t.UnixMilli())), nil
		}, p("formattedDate", tString), p("format", tString)))
	dt("DATETOSTRING", "Formats days since the epoch (deprecated).",
		sig(tString, func(a []any) (any, error) {
			return formatWith(a[1].(string), dateGoTime(types.Date(a[0].(int32))))
		}, p("epochDays", tInt), p("format", tString)))
	dt("STRINGTODATE", "Parses a string into days since the epoch (deprecated).",
		sig(tInt, func(a []any) (any, error) {
			t, err := parseWith(a, 9)
			if err != nil {
				return nil, err
			}
			return int32(timestampToDate(types.Timestamp(t.UnixMilli()))), nil
		}, p("formattedDate", tString), p("format", tString)))
	dt("FORMAT_TIME", "Formats a TIME with a Java DateTimeFormatter pattern.",
		sig(tString, func(a []any) (any, error) {
			return formatWith(a[1].(string), time.UnixMilli(int64(a[0].(types.Time))).UTC())
		}, p("time", tTime), p("format", tString)))
	dt("PARSE_TIME", "Parses a string into a TIME.",
		sig(tTime, func(a []any) (any, error) {
			t, err := parseWith(a, 9)
			if err != nil {
				return nil, err
			}
			return timestampToTime(types.Timestamp(t.UnixMilli())), nil
		}, p("formattedTime", tString), p("format", tString)))
	r.add(&function{name: "UNIX_TIMESTAMP", category: "DATE / TIME", nondeterministic: true,
		description: "Milliseconds since the epoch: now, or of a TIMESTAMP.",
		overloads: []*overload{
			sig(tBigInt, func([]any) (any, error) { return time.Now().UnixMilli(), nil }),
			sig(tBigInt, func(a []any) (any, error) { return int64(a[0].(types.Timestamp)), nil }, p("timestamp", tTS)),
		}})
	r.add(&function{name: "UNIX_DATE", category: "DATE / TIME", nondeterministic: true,
		description: "Days since the epoch: today, or of a DATE.",
		overloads: []*overload{
			sig(tInt, func([]any) (any, error) {
				return int32(timestampToDate(types.Timestamp(time.Now().UnixMilli()))), nil
			}),
			sig(tInt, func(a []any) (any, error) { return int32(a[0].(types.Date)), nil }, p("date", tDate)),
		}})
	dt("FROM_UNIXTIME", "TIMESTAMP from milliseconds since the epoch.",
		sig(tTS, func(a []any) (any, error) { return types.Timestamp(a[0].(int64)), nil }, p("milliseconds", tBigInt)))
	dt("FROM_DAYS", "DATE from days since the epoch.",
		sig(tDate, func(a []any) (any, error) { return types.Date(a[0].(int32)), nil }, p("days", tInt)))
	dt("CONVERT_TZ", "Shifts a TIMESTAMP's wall-clock time from one zone to another.",
		sig(tTS, func(a []any) (any, error) {
			from, err := zoneByText(a[1].(string))
			if err != nil {
				return nil, evalErrorf("%v", err)
			}
			to, err := zoneByText(a[2].(string))
			if err != nil {
				return nil, evalErrorf("%v", err)
			}
			ms := int64(a[0].(types.Timestamp))
			t := time.UnixMilli(ms).UTC()
			_, fo := t.In(from).Zone()
			_, tz := t.In(to).Zone()
			return types.Timestamp(ms + int64(tz-fo)*1000), nil
		}, p("timestamp", tTS), p("fromTz", tString), p("toTz", tString)))
	unitArith := func(name, desc string, t *types.Type, sign int64) {
		dt(name, desc, sig(t, func(a []any) (any, error) {
			unit, err := unitMillis(a[0].(string))
			if err != nil {
				return nil, err
			}
			delta := sign * int64(a[1].(int32)) * unit
			switch v := a[2].(type) {
			case types.Date:
				if unit%msPerDay != 0 {
					return nil, evalErrorf("cannot add %s to a DATE", a[0])
				}
				return types.Date(int64(v) + delta/msPerDay), nil
			case types.Time:
				ms := (int64(v) + delta) % msPerDay
				if ms < 0 {
					ms += msPerDay
				}
				return types.Time(ms), nil
			case types.Timestamp:
				return types.Timestamp(int64(v) + delta), nil
			}
			return nil, nil
		}, p("unit", tString), p("interval", tInt), p("value", t)))
	}
	unitArith("DATEADD", "Adds an interval in a unit (DAYS, ...) to a DATE.", tDate, 1)
	unitArith("DATESUB", "Subtracts an interval in a unit (DAYS, ...) from a DATE.", tDate, -1)
	unitArith("TIMEADD", "Adds an interval in a unit to a TIME, wrapping at midnight.", tTime, 1)
	unitArith("TIMESUB", "Subtracts an interval in a unit from a TIME, wrapping at midnight.", tTime, -1)
	unitArith("TIMESTAMPADD", "Adds an interval in a unit to a TIMESTAMP.", tTS, 1)
	unitArith("TIMESTAMPSUB", "Subtracts an interval in a unit from a TIMESTAMP.", tTS, -1)
}

// unitMillis is the length of a ksqlDB time unit (MILLISECONDS ... DAYS).
func unitMillis(u string) (int64, error) {
	switch strings.TrimSuffix(strings.ToUpper(u), "S") {
	case "MILLISECOND":
		return 1, nil
	case "SECOND":
		return 1000, nil
	case "MINUTE":
		return 60000, nil
	case "HOUR":
		return 3600000, nil
	case "DAY":
		return msPerDay, nil
	}
	return 0, evalErrorf("unknown time unit %s", u)
}

func dateGoTime(d types.Date) time.Time { return time.UnixMilli(int64(d) * msPerDay).UTC() }

// inZone moves t to the zone named by a[i] when present.
func inZone(t time.Time, a []any, i int) (time.Time, error) {
	if len(a) <= i {
		return t, nil
	}
	loc, err := zoneByText(a[i].(string))
	if err != nil {
		return t, evalErrorf("%v", err)
	}
	return t.In(loc), nil
}

func formatWith(pattern string, t time.Time) (any, error) {
	jp, err := compileJavaPattern(pattern)
	if err != nil {
		return nil, evalErrorf("%v", err)
	}
	return jp.format(t), nil
}

// parseWith parses a[0] with pattern a[1], in the zone a[zoneArg] if present.
func parseWith(a []any, zoneArg int) (time.Time, error) {
	jp, err := compileJavaPattern(a[1].(string))
	if err != nil {
		return time.Time{}, evalErrorf("%v", err)
	}
	loc := time.UTC
	if len(a) > zoneArg {
		if loc, err = zoneByText(a[zoneArg].(string)); err != nil {
			return time.Time{}, evalErrorf("%v", err)
		}
	}
	t, err := jp.parse(a[0].(string), loc)
	if err != nil {
		return time.Time{}, evalErrorf("Failed to parse '%s' with pattern '%s': %v", a[0], a[1], err)
	}
	return t, nil
}

package pgeval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/sqlerr"
)

// Date and time values: timestamp, timestamptz and date are time.Time in UTC (a
// date at midnight; the column's type tells them apart), time is TimeOfDay and
// interval is Interval. The session time zone is UTC, as Sluice reports it
// (TimeZone), so timestamptz prints with +00.

// TimeOfDay is a time value: microseconds since midnight.
type TimeOfDay int64

// Interval is an interval value: Postgres keeps months, days and microseconds
// apart (a month is not a fixed number of days).
type Interval struct {
	Months int64
	Days   int64
	Micros int64
}

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// total is the interval's length in microseconds with Postgres' conversion
// (30-day months), used to order intervals.
func (iv Interval) total() float64 {
	return float64(iv.Months)*30*float64(microsPerDay) + float64(iv.Days)*float64(microsPerDay) + float64(iv.Micros)
}

var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTimestamp reads Postgres timestamp input (ISO forms, with or without a zone
// offset; 'now', 'today', 'epoch', 'infinity' are not supported beyond 'epoch',
// 'now' and 'today'). withZone is set when the text carried an offset.
func parseTimestamp(s string) (time.Time, bool, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "epoch":
		return time.Unix(0, 0).UTC(), false, nil
	case "now":
		return time.Now().UTC().Truncate(time.Microsecond), true, nil
	case "today":
		return time.Now().UTC().Truncate(24 * time.Hour), false, nil
	}
	// " UTC" / " +00" suffixes and a trailing "Z".
	u := t
	if strings.HasSuffix(strings.ToUpper(u), " UTC") {
		u = u[:len(u)-4] + "+00"
	} else if strings.HasSuffix(strings.ToUpper(u), " GMT") {
		u = u[:len(u)-4] + "+00"
	}
	u = strings.Replace(u, " +", "+", 1)
	u = strings.Replace(u, " -", "-", 1)
	if strings.HasSuffix(u, "z") {
		u = u[:len(u)-1] + "Z"
	}
	for _, l := range timestampLayouts {
		if ts, err := time.Parse(l, u); err == nil {
			_, off := ts.Zone()
			zoned := strings.Contains(l, "Z07") && (off != 0 || strings.ContainsAny(u[10:], "+Z") || strings.Count(u[10:], "-") > 0)
			return ts, zoned, nil
		}
	}
	return time.Time{}, false, sqlerr.Newf("22007", "invalid input syntax for type timestamp: %q", s)
}

func parseDate(s string) (time.Time, error) {
	ts, _, err := parseTimestamp(s)
	ts = time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
	if err != nil {
		return time.Time{}, sqlerr.Newf("22007", "invalid input syntax for type date: %q", s)
	}
	return truncDay(ts), nil
}

func truncDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func parseTimeOfDay(s string) (TimeOfDay, error) {
	t := strings.TrimSpace(s)
	for _, l := range []string{"15:04:05.999999999", "15:04"} {
		if ts, err := time.Parse(l, t); err == nil {
			return TimeOfDay(ts.Hour()*3600e6 + ts.Minute()*60e6 + ts.Second()*1e6 + ts.Nanosecond()/1e3), nil
		}
	}
	return 0, sqlerr.Newf("22007", "invalid input syntax for type time: %q", s)
}

// formatTimestamp writes a timestamp as timestamp_out does (DateStyle ISO).
func formatTimestamp(t time.Time, zone bool) string {
	b := make([]byte, 0, 32)
	y := t.Year()
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	b = fmt.Appendf(b, "%04d-%02d-%02d %02d:%02d:%02d", y, int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second())
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := fmt.Sprintf("%06d", us)
		b = append(b, '.')
		b = append(b, strings.TrimRight(frac, "0")...)
	}
	if zone {
		b = append(b, "+00"...)
	}
	if bc {
		b = append(b, " BC"...)
	}
	return string(b)
}

func formatDate(t time.Time) string {
	return fmt.Sprintf("%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
}

func formatTimeOfDay(v TimeOfDay) string {
	us := int64(v)
	s := fmt.Sprintf("%02d:%02d:%02d", us/3600e6, us/60e6%60, us/1e6%60)
	if f := us % 1e6; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", f), "0")
	}
	return s
}

// formatInterval writes an interval as interval_out does (IntervalStyle postgres).
func formatInterval(iv Interval) string {
	var parts []string
	plural := func(n int64, unit string) string {
		if n == 1 || n == -1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	years, months := iv.Months/12, iv.Months%12
	if years != 0 {
		parts = append(parts, plural(years, "year"))
	}
	if months != 0 {
		parts = append(parts, plural(months, "mon"))
	}
	if iv.Days != 0 {
		parts = append(parts, plural(iv.Days, "day"))
	}
	if iv.Micros != 0 || len(parts) == 0 {
		us := iv.Micros
		sign := ""
		if us < 0 {
			sign = "-"
			us = -us
		} else if len(parts) > 0 && (iv.Days < 0 || iv.Months < 0) {
			sign = "+"
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3600e6, us/60e6%60, us/1e6%60)
		if f := us % 1e6; f != 0 {
			s += "." + strings.TrimRight(fmt.Sprintf("%06d", f), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// parseInterval reads interval input: "1 day", "2 hours 30 minutes", "01:02:03",
// "1 mon 2 days 03:04:05", "-1 week", ISO "P1DT2H" is not supported.
func parseInterval(s string) (Interval, error) {
	bad := sqlerr.Newf("22007", "invalid input syntax for type interval: %q", s)
	f := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	var iv Interval
	ago := false
	for i := 0; i < len(f); i++ {
		tok := f[i]
		if tok == "ago" {
			ago = true
			continue
		}
		if strings.Contains(tok, ":") {
			neg := strings.HasPrefix(tok, "-")
			tok = strings.TrimLeft(tok, "+-")
			hms := strings.Split(tok, ":")
			var us float64
			mult := []float64{3600e6, 60e6, 1e6}
			for k, p := range hms {
				if k >= 3 {
					return iv, bad
				}
				v, err := strconv.ParseFloat(p, 64)
				if err != nil {
					return iv, bad
				}
				us += v * mult[k]
			}
			if neg {
				us = -us
			}
			iv.Micros += int64(math.Round(us))
			continue
		}
		num, err := strconv.ParseFloat(strings.TrimPrefix(tok, "@"), 64)
		unit := ""
		if err != nil {
			// "1day"
			j := strings.IndexFunc(tok, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' })
			if j <= 0 {
				return iv, bad
			}
			if num, err = strconv.ParseFloat(tok[:j], 64); err != nil {
				return iv, bad
			}
			unit = tok[j:]
		} else if i+1 < len(f) {
			i++
			unit = f[i]
		} else {
			// A bare number is seconds.
			iv.Micros += int64(math.Round(num * 1e6))
			continue
		}
		unit = strings.TrimSuffix(unit, ",")
		switch unit {
		case "microsecond", "microseconds", "us", "usec", "usecs":
			iv.Micros += int64(math.Round(num))
		case "millisecond", "milliseconds", "ms", "msec", "msecs":
			iv.Micros += int64(math.Round(num * 1e3))
		case "second", "seconds", "s", "sec", "secs":
			iv.Micros += int64(math.Round(num * 1e6))
		case "minute", "minutes", "m", "min", "mins":
			iv.Micros += int64(math.Round(num * 60e6))
		case "hour", "hours", "h", "hr", "hrs":
			iv.Micros += int64(math.Round(num * 3600e6))
		case "day", "days", "d":
			whole := math.Trunc(num)
			iv.Days += int64(whole)
			iv.Micros += int64(math.Round((num - whole) * float64(microsPerDay)))
		case "week", "weeks", "w":
			d := num * 7
			whole := math.Trunc(d)
			iv.Days += int64(whole)
			iv.Micros += int64(math.Round((d - whole) * float64(microsPerDay)))
		case "month", "months", "mon", "mons":
			whole := math.Trunc(num)
			iv.Months += int64(whole)
			iv.Days += int64(math.Round((num - whole) * 30))
		case "year", "years", "y", "yr", "yrs":
			iv.Months += int64(math.Round(num * 12))
		case "decade", "decades":
			iv.Months += int64(math.Round(num * 120))
		case "century", "centuries":
			iv.Months += int64(math.Round(num * 1200))
		default:
			return iv, bad
		}
	}
	if len(f) == 0 {
		return iv, bad
	}
	if ago {
		iv = Interval{-iv.Months, -iv.Days, -iv.Micros}
	}
	return iv, nil
}

// addInterval adds iv to t as Postgres does: months (clamping the day), then days,
// then microseconds.
func addInterval(t time.Time, iv Interval, sign int64) time.Time {
	if iv.Months != 0 {
		y, m, d := t.Date()
		total := int64(y)*12 + int64(m-1) + sign*iv.Months
		ny, nm := int(floorDiv64(total, 12)), time.Month(total-floorDiv64(total, 12)*12+1)
		last := time.Date(ny, nm+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d > last {
			d = last
		}
		t = time.Date(ny, nm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	if iv.Days != 0 {
		t = t.AddDate(0, 0, int(sign*iv.Days))
	}
	return t.Add(time.Duration(sign*iv.Micros) * time.Microsecond)
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// subTimestamps is a - b as an interval of days and microseconds (timestamp_mi).
func subTimestamps(a, b time.Time) Interval {
	us := a.Sub(b).Microseconds()
	return Interval{Days: us / microsPerDay, Micros: us % microsPerDay}
}

// dateTrunc implements date_trunc(field, t).
func dateTrunc(field string, t time.Time) (time.Time, error) {
	y, m, d := t.Date()
	switch strings.ToLower(field) {
	case "microseconds":
		return t.Truncate(time.Microsecond), nil
	case "milliseconds":
		return t.Truncate(time.Millisecond), nil
	case "second":
		return t.Truncate(time.Second), nil
	case "minute":
		return t.Truncate(time.Minute), nil
	case "hour":
		return t.Truncate(time.Hour), nil
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday is 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, time.UTC), nil
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), nil
	case "quarter":
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC), nil
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "decade":
		return time.Date(y-((y%10)+10)%10, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "century":
		return time.Date((y-1)/100*100+1, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "millennium":
		return time.Date((y-1)/1000*1000+1, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, sqlerr.Newf(sqlerr.InvalidParameterValue, "unit %q not recognized for type timestamp without time zone", field)
}

// extractField implements extract(field FROM t) for timestamps and dates as a
// numeric (Postgres 14+); epoch of a timestamp keeps its microseconds.
func extractField(field string, t time.Time, isDate bool) (*apd.Decimal, error) {
	f := strings.ToLower(field)
	y, m, d := t.Date()
	us := int64(t.Nanosecond() / 1000)
	switch f {
	case "epoch":
		n := t.Unix()*1_000_000 + us
		return apd.New(n, -6), nil
	case "year":
		return apd.New(int64(y), 0), nil
	case "month":
		return apd.New(int64(m), 0), nil
	case "day":
		return apd.New(int64(d), 0), nil
	case "hour":
		return apd.New(int64(t.Hour()), 0), nil
	case "minute":
		return apd.New(int64(t.Minute()), 0), nil
	case "second":
		return apd.New(int64(t.Second())*1_000_000+us, -6), nil
	case "milliseconds":
		return apd.New(int64(t.Second())*1_000_000+us, -3), nil
	case "microseconds":
		return apd.New(int64(t.Second())*1_000_000+us, 0), nil
	case "dow":
		return apd.New(int64(t.Weekday()), 0), nil
	case "isodow":
		wd := int64(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return apd.New(wd, 0), nil
	case "doy":
		return apd.New(int64(t.YearDay()), 0), nil
	case "week":
		_, w := t.ISOWeek()
		return apd.New(int64(w), 0), nil
	case "isoyear":
		iy, _ := t.ISOWeek()
		return apd.New(int64(iy), 0), nil
	case "quarter":
		return apd.New(int64((m-1)/3+1), 0), nil
	case "decade":
		return apd.New(floorDiv64(int64(y), 10), 0), nil
	case "century":
		return apd.New((int64(y)+99)/100, 0), nil
	case "millennium":
		return apd.New((int64(y)+999)/1000, 0), nil
	case "timezone", "timezone_hour", "timezone_minute":
		return apd.New(0, 0), nil
	}
	return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "unit %q not recognized for type timestamp", field)
}

// fixEpochScale gives extract(epoch ...) Postgres' display scale: 6 for
// timestamps, 0 for dates.
func fixScale(d *apd.Decimal, scale int32) *apd.Decimal { return decRound(d, scale) }

// extractInterval implements extract(field FROM interval).
func extractInterval(field string, iv Interval) (*apd.Decimal, error) {
	switch strings.ToLower(field) {
	case "epoch":
		us := iv.Months/12*365*microsPerDay + iv.Months%12*30*microsPerDay + iv.Days*microsPerDay + iv.Micros
		// Postgres counts a year as 365.25 days here.
		us = iv.Months/12*(microsPerDay*365+microsPerDay/4) + iv.Months%12*30*microsPerDay + iv.Days*microsPerDay + iv.Micros
		return apd.New(us, -6), nil
	case "year":
		return apd.New(iv.Months/12, 0), nil
	case "month":
		return apd.New(iv.Months%12, 0), nil
	case "day":
		return apd.New(iv.Days, 0), nil
	case "hour":
		return apd.New(iv.Micros/3600e6, 0), nil
	case "minute":
		return apd.New(iv.Micros/60e6%60, 0), nil
	case "second":
		return apd.New(iv.Micros%60e6, -6), nil
	}
	return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "unit %q not recognized for type interval", field)
}

// castTemporal converts to and from the date/time types; ok is false when
// neither side is one (castValue goes on).
func castTemporal(v any, from, to uint32) (any, bool, error) {
	switch to {
	case Timestamp, TimestampTZ:
		switch x := v.(type) {
		case time.Time:
			return x, true, nil
		case string:
			t, _, err := parseTimestamp(x)
			if err != nil {
				return nil, true, err
			}
			if to == Timestamp {
				// timestamp without time zone ignores a zone in its input.
				return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), true, nil
			}
			return t.UTC(), true, nil
		}
		return nil, true, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", TypeName(from), TypeName(to))
	case Date:
		switch x := v.(type) {
		case time.Time:
			return truncDay(x), true, nil
		case string:
			t, err := parseDate(x)
			return t, true, err
		}
		return nil, true, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to date", TypeName(from))
	case Time:
		switch x := v.(type) {
		case TimeOfDay:
			return x, true, nil
		case time.Time:
			return TimeOfDay(x.Sub(truncDay(x)).Microseconds()), true, nil
		case string:
			t, err := parseTimeOfDay(x)
			return t, true, err
		}
		return nil, true, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to time", TypeName(from))
	case Interval_:
		switch x := v.(type) {
		case Interval:
			return x, true, nil
		case string:
			iv, err := parseInterval(x)
			return iv, true, err
		}
		return nil, true, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to interval", TypeName(from))
	}
	switch v.(type) {
	case time.Time, TimeOfDay, Interval:
		if isStringType(to) {
			return nil, false, nil
		}
		return nil, true, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", TypeName(from), TypeName(to))
	}
	return nil, false, nil
}

// formatFloat8 writes f like float8out: the shortest text that round-trips, in
// fixed notation for decimal exponents in [-4, 15) and in %e style otherwise.
func formatFloat8(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp >= -4 && exp < 15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return e
}

func parseFloatText(s string) (float64, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "nan":
		return math.NaN(), nil
	case "infinity", "inf", "+infinity":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(t, 64)
}

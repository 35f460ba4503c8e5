package pgcatalog

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/sqlerr"
)

// Time units of duration parameters (statement_timeout), as Postgres accepts
// them, largest first.
var timeUnits = []struct {
	name string
	ms   float64
}{{"d", 86_400_000}, {"h", 3_600_000}, {"min", 60_000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}

// parseMillis reads a duration parameter as Postgres does: a number of
// milliseconds, or a number with a unit (us, ms, s, min, h, d), rounded to
// whole milliseconds and at most INT_MAX.
func parseMillis(name, value string) (int64, error) {
	v := strings.TrimSpace(value)
	num, unit := v, ""
	if i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' }); i >= 0 {
		num, unit = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value)
	}
	scale := 1.0
	if unit != "" {
		scale = 0
		for _, u := range timeUnits {
			if u.name == unit {
				scale = u.ms
			}
		}
		if scale == 0 {
			return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value).
				WithHint(`Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`)
		}
	}
	ms := math.Round(f * scale)
	if ms < 0 || ms > math.MaxInt32 {
		return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "%g ms is outside the valid range for parameter %q (0 .. %d)", ms, name, math.MaxInt32)
	}
	return int64(ms), nil
}

// formatMillis shows a duration as Postgres does: in the largest unit that
// divides it exactly.
func formatMillis(ms int64) string {
	if ms == 0 {
		return "0"
	}
	for _, u := range timeUnits[:5] {
		if n := int64(u.ms); ms%n == 0 {
			return strconv.FormatInt(ms/n, 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// StatementTimeout is the session's statement_timeout: how long a statement
// may run before it is cancelled, 0 for no limit.
func (s *Session) StatementTimeout() time.Duration {
	ms, err := parseMillis("statement_timeout", s.settings.get("statement_timeout"))
	if err != nil {
		return 0 // a startup parameter that does not parse sets no limit
	}
	return time.Duration(ms) * time.Millisecond
}

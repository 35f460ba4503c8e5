package expr

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/types"
)

const msPerDay = 86400000

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// formatDate renders a DATE as ISO yyyy-MM-dd.
func formatDate(d types.Date) string {
	return time.UnixMilli(int64(d) * msPerDay).UTC().Format("2006-01-02")
}

// formatTime renders a TIME as ISO HH:mm:ss with .SSS when there are milliseconds.
func formatTime(t types.Time) string {
	ms := int(t)
	s := fmt.Sprintf("%02d:%02d:%02d", ms/3600000, ms/60000%60, ms/1000%60)
	if ms%1000 != 0 {
		s += fmt.Sprintf(".%03d", ms%1000)
	}
	return s
}

// formatTimestamp renders a TIMESTAMP as ksqlDB does: yyyy-MM-ddTHH:mm:ss.SSS in UTC.
func formatTimestamp(ts types.Timestamp) string {
	return ts.GoTime().Format("2006-01-02T15:04:05.000")
}

// parseTimestampText parses ksqlDB's partial ISO-8601 timestamp text: yyyy[-MM[-dd
// [THH[:mm[:ss[.fff]]]]]] with an optional zone (Z, +hh:mm, +hhmm, +hh). Without a
// zone the text is UTC.
func parseTimestampText(s string) (types.Timestamp, error) {
	s = strings.TrimSpace(s)
	bad := func() (types.Timestamp, error) {
		return 0, evalErrorf("Failed to parse timestamp '%s': expected yyyy-MM-dd'T'HH:mm:ss.SSS with an optional time zone", s)
	}
	datePart, timePart, hasTime := strings.Cut(s, "T")
	fields := strings.Split(datePart, "-")
	if len(fields) > 3 || fields[0] == "" {
		return bad()
	}
	ymd := [3]int{0, 1, 1}
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return bad()
		}
		ymd[i] = n
	}
	var hms [3]int
	var nanos int
	loc := time.UTC
	if hasTime {
		zone := ""
		if i := strings.IndexAny(timePart, "Z+-"); i >= 0 {
			timePart, zone = timePart[:i], timePart[i:]
		}
		if zone != "" {
			l, err := parseZoneOffset(zone)
			if err != nil {
				return bad()
			}
			loc = l
		}
		main, frac, hasFrac := strings.Cut(timePart, ".")
		parts := strings.Split(main, ":")
		if len(parts) > 3 || parts[0] == "" {
			return bad()
		}
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil {
				return bad()
			}
			hms[i] = n
		}
		if hasFrac {
			if frac == "" || len(frac) > 9 {
				return bad()
			}
			n, err := strconv.Atoi(frac)
			if err != nil {
				return bad()
			}
			for i := len(frac); i < 9; i++ {
				n *= 10
			}
			nanos = n
		}
	}
	// Hour 24 is accepted as the end of the day (the next day's midnight), as
	// Java's SMART resolver does: '2020-02-24T24' is an exclusive upper bound.
	endOfDay := hms[0] == 24 && hms[1] == 0 && hms[2] == 0 && nanos == 0
	if ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31 || (hms[0] > 23 && !endOfDay) || hms[1] > 59 || hms[2] > 59 {
		return bad()
	}
	// SMART also moves a day past the end of a short month to its last day
	// (2021-02-30 is 2021-02-28) instead of into the next month.
	if last := daysIn(ymd[0], time.Month(ymd[1])); ymd[2] > last {
		ymd[2] = last
	}
	t := time.Date(ymd[0], time.Month(ymd[1]), ymd[2], hms[0], hms[1], hms[2], nanos, loc)
	return types.Timestamp(t.UnixMilli()), nil
}

// daysIn is the length of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseZoneOffset accepts Z, +hh, +hhmm and +hh:mm.
func parseZoneOffset(z string) (*time.Location, error) {
	if z == "Z" {
		return time.UTC, nil
	}
	sign := 1
	switch z[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return nil, fmt.Errorf("bad zone")
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 {
		return nil, fmt.Errorf("bad zone")
	}
	h, err := strconv.Atoi(digits[:2])
	if err != nil {
		return nil, err
	}
	m := 0
	if len(digits) == 4 {
		if m, err = strconv.Atoi(digits[2:]); err != nil {
			return nil, err
		}
	}
	return time.FixedZone(z, sign*(h*3600+m*60)), nil
}

// parseDateText parses an ISO yyyy-MM-dd date.
func parseDateText(s string) (types.Date, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return 0, evalErrorf("Failed to parse date '%s': expected yyyy-MM-dd", s)
	}
	return types.Date(t.Unix() / 86400), nil
}

// parseTimeText parses an ISO HH:mm[:ss[.fff]] time of day.
func parseTimeText(s string) (types.Time, error) {
	ts, err := parseTimestampText("1970-01-01T" + strings.TrimSpace(s))
	if err != nil || strings.ContainsAny(s, "Z+") || int64(ts) >= msPerDay {
		return 0, evalErrorf("Failed to parse time '%s': expected HH:mm:ss", s)
	}
	return types.Time(ts), nil
}

// timestampToDate drops the time of day (UTC).
func timestampToDate(ts types.Timestamp) types.Date {
	ms := int64(ts)
	d := ms / msPerDay
	if ms%msPerDay < 0 {
		d--
	}
	return types.Date(d)
}

// timestampToTime keeps only the time of day (UTC).
func timestampToTime(ts types.Timestamp) types.Time {
	ms := int64(ts) % msPerDay
	if ms < 0 {
		ms += msPerDay
	}
	return types.Time(ms)
}

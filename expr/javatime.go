package expr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones by name must work on hosts without a zoneinfo database
	"unicode"
)

// javaPattern is a compiled java.time.format.DateTimeFormatter pattern such as
// 'yyyy-MM-dd HH:mm:ss.SSS'. It supports the letters ksqlDB users write:
// y u M L d D H h k K m s S a E z Z X x V and quoted literals.
type javaPattern struct {
	toks []patTok
}

type patTok struct {
	letter byte // 0 for a literal
	n      int  // repeat count
	lit    string
}

func compileJavaPattern(p string) (*javaPattern, error) {
	var toks []patTok
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(p[j])
				j++
			}
			if j == i+1 { // '' is a quote
				lit.WriteByte('\'')
			}
			toks = append(toks, patTok{lit: lit.String()})
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			if !strings.ContainsRune("yuMLdDHhkKmsSaEzZXxVn", rune(c)) {
				return nil, fmt.Errorf("Unknown pattern letter: %c", c)
			}
			toks = append(toks, patTok{letter: c, n: j - i})
			i = j
		default:
			toks = append(toks, patTok{lit: string(c)})
			i++
		}
	}
	return &javaPattern{toks: toks}, nil
}

func (jp *javaPattern) format(t time.Time) string {
	var b strings.Builder
	pad := func(v, n int) {
		s := strconv.Itoa(v)
		for i := len(s); i < n; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for _, tk := range jp.toks {
		switch tk.letter {
		case 0:
			b.WriteString(tk.lit)
		case 'y', 'u':
			if tk.n == 2 {
				pad(t.Year()%100, 2)
			} else {
				pad(t.Year(), tk.n)
			}
		case 'M', 'L':
			switch {
			case tk.n >= 4:
				b.WriteString(t.Month().String())
			case tk.n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				pad(int(t.Month()), tk.n)
			}
		case 'd':
			pad(t.Day(), tk.n)
		case 'D':
			pad(t.YearDay(), tk.n)
		case 'H':
			pad(t.Hour(), tk.n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			pad(h, tk.n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, tk.n)
		case 'K':
			pad(t.Hour()%12, tk.n)
		case 'm':
			pad(t.Minute(), tk.n)
		case 's':
			pad(t.Second(), tk.n)
		case 'S':
			frac := fmt.Sprintf("%09d", t.Nanosecond())
			for len(frac) < tk.n {
				frac += "0"
			}
			b.WriteString(frac[:tk.n])
		case 'n':
			pad(t.Nanosecond(), tk.n)
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'E':
			if tk.n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'z':
			name, _ := t.Zone()
			b.WriteString(name)
		case 'V':
			b.WriteString(t.Location().String())
		case 'Z':
			b.WriteString(t.Format("-0700"))
		case 'X', 'x':
			_, off := t.Zone()
			if off == 0 && tk.letter == 'X' {
				b.WriteString("Z")
			} else if tk.n == 1 {
				b.WriteString(t.Format("-07"))
			} else if tk.n == 2 {
				b.WriteString(t.Format("-0700"))
			} else {
				b.WriteString(t.Format("-07:00"))
			}
		}
	}
	return b.String()
}

// parsed holds the fields found while parsing.
type parsed struct {
	year, month, day, yday, hour, min, sec, nanos int
	pm, hasAmPm                                   bool
	loc                                           *time.Location
}

// parse reads s with the pattern. Missing date fields default to 1970-01-01,
// missing time fields to zero; def is the zone when the text has none.
func (jp *javaPattern) parse(s string, def *time.Location) (time.Time, error) {
	return jp.parseText(s, def, true)
}

// parsePrefix is parse that ignores text after the pattern, as SimpleDateFormat
// (and commons-lang's FastDateFormat) parse(String) do.
func (jp *javaPattern) parsePrefix(s string, def *time.Location) (time.Time, error) {
	return jp.parseText(s, def, false)
}

func (jp *javaPattern) parseText(s string, def *time.Location, whole bool) (time.Time, error) {
	pv := parsed{year: 1970, month: 1, day: 1, loc: def}
	pos := 0
	fail := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed at index %d", s, pos)
	}
	for i, tk := range jp.toks {
		if tk.letter == 0 {
			if !strings.HasPrefix(s[pos:], tk.lit) {
				return fail()
			}
			pos += len(tk.lit)
			continue
		}
		// A numeric field followed directly by another numeric field has a fixed width.
		fixed := i+1 < len(jp.toks) && jp.toks[i+1].letter != 0 && isNumericLetter(jp.toks[i+1].letter, jp.toks[i+1].n)
		num := func() (int, bool) {
			j := pos
			if j < len(s) && (s[j] == '-' || s[j] == '+') && (tk.letter == 'y' || tk.letter == 'u') && tk.n > 2 {
				j++
			}
			limit := len(s)
			if fixed || tk.letter == 'S' {
				limit = min(len(s), j+tk.n)
			}
			for j < limit && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == pos {
				return 0, false
			}
			v, err := strconv.Atoi(s[pos:j])
			if err != nil {
				return 0, false
			}
			if tk.letter == 'S' {
				for k := j - pos; k < 9; k++ {
					v *= 10
				}
			}
			pos = j
			return v, true
		}
		var ok bool
		switch tk.letter {
		case 'y', 'u':
			pv.year, ok = num()
			if ok && tk.n == 2 {
				pv.year += 2000
			}
		case 'M', 'L':
			if tk.n >= 3 {
				ok = false
				for m := time.January; m <= time.December; m++ {
					name := m.String()
					if tk.n == 3 {
						name = name[:3]
					}
					if len(s) >= pos+len(name) && strings.EqualFold(s[pos:pos+len(name)], name) {
						pv.month, pos, ok = int(m), pos+len(name), true
						break
					}
				}
			} else {
				pv.month, ok = num()
			}
		case 'd':
			pv.day, ok = num()
		case 'D':
			pv.yday, ok = num()
		case 'H', 'k':
			pv.hour, ok = num()
			if tk.letter == 'k' && pv.hour == 24 {
				pv.hour = 0
			}
		case 'h', 'K':
			pv.hour, ok = num()
			pv.hour %= 12
		case 'm':
			pv.min, ok = num()
		case 's':
			pv.sec, ok = num()
		case 'S':
			pv.nanos, ok = num()
		case 'n':
			pv.nanos, ok = num()
		case 'a':
			if len(s) >= pos+2 {
				switch strings.ToUpper(s[pos : pos+2]) {
				case "AM":
					ok, pv.hasAmPm = true, true
				case "PM":
					ok, pv.hasAmPm, pv.pm = true, true, true
				}
				pos += 2
			}
		case 'E':
			j := pos
			for j < len(s) && unicode.IsLetter(rune(s[j])) {
				j++
			}
			ok, pos = j > pos, j
		case 'z', 'V', 'Z', 'X', 'x':
			j := pos
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || strings.ContainsRune("+-:/_0123456789", rune(s[j]))) {
				j++
			}
			zone := s[pos:j]
			pos = j
			if zone == "z" {
				zone = "Z" // ksqlDB's formatters parse case-insensitively
			}
			loc, err := zoneByText(zone)
			if err != nil && tk.letter == 'z' {
				// Zone names such as PST: Java resolves them like ZoneId.SHORT_IDS.
				if id, known := javaShortZoneIDs[strings.ToUpper(zone)]; known {
					loc, err = zoneByText(id)
				}
			}
			ok = err == nil
			pv.loc = loc
		}
		if !ok {
			return fail()
		}
	}
	if whole && pos != len(s) {
		return fail()
	}
	if pv.hasAmPm && pv.pm {
		pv.hour += 12
	}
	if pv.month < 1 || pv.month > 12 || pv.day < 1 || pv.day > 31 || pv.hour > 23 || pv.min > 59 || pv.sec > 59 {
		return fail()
	}
	t := time.Date(pv.year, time.Month(pv.month), pv.day, pv.hour, pv.min, pv.sec, pv.nanos, pv.loc)
	if pv.yday > 0 {
		t = time.Date(pv.year, 1, pv.yday, pv.hour, pv.min, pv.sec, pv.nanos, pv.loc)
	}
	if t.Day() != pv.day && pv.yday == 0 {
		return fail() // e.g. February 30
	}
	return t, nil
}

func isNumericLetter(c byte, n int) bool {
	switch c {
	case 'M', 'L':
		return n <= 2
	case 'a', 'E', 'z', 'Z', 'X', 'x', 'V':
		return false
	}
	return true
}

// zoneByText resolves a zone id (America/New_York, UTC, Z) or offset (+01:00, -0800).
func zoneByText(z string) (*time.Location, error) {
	if z == "" {
		return nil, fmt.Errorf("empty time zone")
	}
	if z[0] == '+' || z[0] == '-' || z == "Z" {
		return parseZoneOffset(z)
	}
	for _, prefix := range []string{"UTC", "GMT"} {
		if rest, ok := strings.CutPrefix(z, prefix); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			return parseZoneOffset(rest)
		}
	}
	loc, err := time.LoadLocation(z)
	if err != nil {
		return nil, fmt.Errorf("Unknown time-zone ID: %s", z)
	}
	return loc, nil
}

// javaShortZoneIDs is Java's ZoneId.SHORT_IDS: the three-letter zone names it
// accepts in place of region ids.
var javaShortZoneIDs = map[string]string{
	"ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires",
	"ART": "Africa/Cairo", "AST": "America/Anchorage", "BET": "America/Sao_Paulo",
	"BST": "Asia/Dhaka", "CAT": "Africa/Harare", "CNT": "America/St_Johns",
	"CST": "America/Chicago", "CTT": "Asia/Shanghai", "EAT": "Africa/Addis_Ababa",
	"ECT": "Europe/Paris", "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata",
	"JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan",
	"NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix",
	"PRT": "America/Puerto_Rico", "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal",
	"VST": "Asia/Ho_Chi_Minh", "EST": "-05:00", "MST": "-07:00", "HST": "-10:00",
}

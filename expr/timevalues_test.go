package expr

import "testing"

func TestParseTimestampText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // ms since the epoch; -1 for an error
	}{
		{"2020-02-22T23:45", 1582415100000},
		{"2020-02-22", 1582329600000},
		{"2020-02", 1580515200000},
		{"2020-02-22T23:45:01.5+01:00", 1582411501500},
		// Java's SMART resolver: hour 24 is the next midnight, a day past the
		// end of the month is its last day.
		{"2020-02-24T24", 1582588800000},
		{"2020-02-24T24:00:00", 1582588800000},
		{"2020-12-31T24", 1609459200000},
		{"2021-02-30", 1614470400000},
		{"2020-02-31", 1582934400000},
		{"2020-02-24T24:01", -1},
		{"2020-02-24T25", -1},
		{"2020-02-32", -1},
		{"2020-13-01", -1},
	} {
		got, err := parseTimestampText(c.in)
		if c.want < 0 {
			if err == nil {
				t.Errorf("%s: got %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || int64(got) != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if _, err := parseTimeText("24:00"); err == nil {
		t.Errorf("TIME '24:00' parsed; a time of day is below 24:00")
	}
}

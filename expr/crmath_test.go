package expr

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCorrectlyRoundedMath pins digits ksqlDB (the JVM) produces where Go's math
// package is one ulp away.
func TestCorrectlyRoundedMath(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"ln 3", crLog(3), 1.0986122886681098},
		{"ln 2", crLog(2), 0.6931471805599453},
		{"ln 1", crLog(1), 0},
		{"ln 13", crLog(13), 2.5649493574615367},
		{"ln 0", crLog(0), math.Inf(-1)},
		{"log 15 of 13", logBase(15, 13), 0.9471572411831843},
		{"sin 1", func() float64 { s, _ := crSinCos(1); return s }(), 0.8414709848078965},
		{"cos 1", func() float64 { _, c := crSinCos(1); return c }(), 0.5403023058681398},
		{"asin 0.5", crAsin(0.5), 0.5235987755982989},
		{"asin 1", crAsin(1), math.Pi / 2},
		{"asin 0.9", crAsin(0.9), 1.1197695149986342},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if !math.IsNaN(crLog(-1)) || !math.IsNaN(logBase(1, 13)) || !math.IsNaN(logBase(0, 13)) {
		t.Error("ln of a negative number and log to base 0 or 1 are NaN")
	}
}

// TestGeoDistance uses outputs of ksqlDB's geodistance.json.
func TestGeoDistance(t *testing.T) {
	for _, tc := range []struct {
		lat1, lon1, lat2, lon2 float64
		units                  string
		want                   float64
	}{
		{37.4439, -122.1663, 51.5257, -0.1122, "", 8634.659796579544},
		{37.4439, -122.1663, 51.5257, -0.1122, "MI", 5365.659729188262},
		{51.5257, -0.1122, -33.9323, 18.4197, "KM", 9673.40421197142},
		{51.5257, -0.1122, -33.9323, 18.4197, "miles", 6011.1453892944355},
		{-33.9323, 18.4197, -33.8666, 151.1, "", 11005.23304055582},
		{-33.9323, 18.4197, -33.8666, 151.1, "mi", 6838.756491533589},
		{39.18660374, -76.73262144, 39.18660374, -76.73222145, "", 0.03447366811448324},
		{37.4439, -122.1663, 51, 0, "", 8682.459061368269},
	} {
		got, err := geoDistance(tc.lat1, tc.lon1, tc.lat2, tc.lon2, tc.units)
		if err != nil || got != tc.want {
			t.Errorf("%+v: got %v (%v)", tc, got, err)
		}
	}
	if _, err := geoDistance(91, 0, 0, 0, ""); err == nil {
		t.Error("latitude 91 must fail")
	}
	if _, err := geoDistance(0, 0, 0, 0, "parsecs"); err == nil {
		t.Error("unknown units must fail")
	}
}

// TestDoubleDoubleAgreesWithBig checks the fast double-double paths against the
// 128-bit big.Float evaluation on many arguments.
func TestDoubleDoubleAgreesWithBig(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	undecided := 0
	for i := 0; i < 3000; i++ {
		x := math.Exp(rnd.Float64()*80 - 40)
		if r, ok := ddLog(x); ok {
			if want := crF64(bigLog(x)); r != want {
				t.Fatalf("ln %v: dd %v, big %v", x, r, want)
			}
		} else {
			undecided++
		}
		a := rnd.Float64()*8 - 4
		if s, c, ok := ddSinCos(a); ok {
			ws, wc := bigSinCos(a)
			if s != ws || c != wc {
				t.Fatalf("sincos %v: dd %v %v, big %v %v", a, s, c, ws, wc)
			}
		} else {
			undecided++
		}
		y := rnd.Float64()*2 - 1
		if y != 0 {
			if r, ok := ddAsin(y); ok {
				if want := crF64(bigAsin(crFloat(y))); r != want {
					t.Fatalf("asin %v: dd %v, big %v", y, r, want)
				}
			} else {
				undecided++
			}
		}
	}
	if undecided > 10 {
		t.Errorf("%d undecided roundings", undecided)
	}
}

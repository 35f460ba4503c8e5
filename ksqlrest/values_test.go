package ksqlrest

import (
	"encoding/json"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

func TestInsertStatement(t *testing.T) {
	st := types.NewStruct(types.Field{Name: "Lat", Type: types.DoubleType}, types.Field{Name: "TAGS", Type: types.NewArray(types.StringType)})
	columns := map[string]types.Column{
		"A":  {Name: "A", Type: types.NewArray(types.IntType)},
		"M":  {Name: "M", Type: types.NewMap(types.StringType, types.NewArray(types.IntType))},
		"P":  {Name: "P", Type: st},
		"BY": {Name: "BY", Type: types.BytesType},
	}
	for _, c := range []struct{ target, line, want, err string }{
		{"riders", `{"id": 1, "name": "it's", "km": 2.50, "ok": true, "x": null}`,
			"INSERT INTO `RIDERS` (`ID`, `KM`, `NAME`, `OK`, `X`) VALUES (1, 2.50, 'it''s', true, NULL);", ""},
		{"`Mixed`", "{\"`camelCase`\": 12345678901234567890}", "INSERT INTO `Mixed` (`camelCase`) VALUES (12345678901234567890);", ""},
		{"s", `{"a": [1, null, 3], "m": {"z": [1], "a": []}, "p": {"lat": 1.5, "tags": ["x"]}, "by": "/w=="}`,
			"INSERT INTO `S` (`A`, `BY`, `M`, `P`) VALUES (ARRAY[1, NULL, 3], TO_BYTES('/w==', 'base64'), " +
				"MAP('a' := SLICE(ARRAY[CAST(NULL AS INTEGER)], 1, 0), 'z' := ARRAY[1]), STRUCT(`Lat` := 1.5, `TAGS` := ARRAY['x']));", ""},
		{"s", `{"p": {"tags": null}, "a": []}`, "INSERT INTO `S` (`A`, `P`) VALUES (SLICE(ARRAY[CAST(NULL AS INTEGER)], 1, 0), STRUCT(`Lat` := NULL, `TAGS` := NULL));", ""},
		{"s", `{"a": {"x": 1}}`, "", "column a: want a JSON array for ARRAY<INTEGER>, got object"},
		{"s", `{"q": [1, 2]}`, "", "column q: a JSON array needs a column of a nested type (ARRAY, MAP or STRUCT)"},
		{"s", `{"a": `, "", "Invalid JSON in inserts stream: unexpected EOF"},
	} {
		got, err := insertStatement(c.target, []byte(c.line), columns)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("%s %s:\n got %q, %q\nwant %q, %q", c.target, c.line, got, gotErr, c.want, c.err)
		}
	}
}

func TestRowJSON(t *testing.T) {
	dec, _, err := apd.NewFromString("12.50")
	if err != nil {
		t.Fatal(err)
	}
	st := types.NewStruct(types.Field{Name: "B", Type: types.IntType}, types.Field{Name: "A", Type: types.StringType})
	cols := []types.Column{{Name: "D"}, {Name: "S", Type: st}, {Name: "M"}, {Name: "T"}, {Name: "DT"}, {Name: "BY"}, {Name: "N"}}
	row := []any{dec, types.Struct{int32(1), "x"}, &types.Map{Keys: []any{"z", "a"}, Values: []any{int64(1), int64(2)}},
		types.Timestamp(1_700_000_000_123), types.Date(1), []byte{0xff}, nil}
	b, err := json.Marshal(rowJSON(cols, row))
	if err != nil {
		t.Fatal(err)
	}
	want := `[12.50,{"B":1,"A":"x"},{"z":1,"a":2},"2023-11-14T22:13:20.123","1970-01-02","/w==",null]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

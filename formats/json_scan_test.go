package formats

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/types"
)

// scanSeeds are documents where the scanner and the tree rules could part ways.
var scanSeeds = []string{
	`{"B":true,"I":1,"L":"2","D":1.5e3,"DEC":"1.25","S":{"x":[1,2]},"BY":"AAEC","TS":5}`,
	`{"A":["a",null],"M":{"k":1},"ST":{"f":2}}`,
	`{"s":1,"S":2,"s":3}`, `{"S":"exact","s":"upper"}`, `{"s":"upper","S":"exact","s":"later"}`,
	`{"l":-0,"i":-12,"L":123456789012345678901234,"I":2147483648,"TS":-1}`,
	`{"L":1.9,"I":"12","D":12,"TS":"x"}`, `{"B":1}`, `{"S":true,"s":null}`, `{"S":12.50e1}`,
	`{"ST":{"F":1,"f":2},"st":null}`, `{"ST":{"F":"bad"}}`, `{"ST":[1]}`, `{"A":"x"}`,
	`{"S\u0041":1}`, `{"\u00e9":1}`, `{"S":"a\"b\\c\u00e9\ud83d\ude00"}`, `{"S":"\ud800"}`,
	`{"x":{"y":[1,{"z":"w"}]},"S":"ok"}`, `{"x":[1,2,}`, `{"S":"a"} trailing`, `  {"S":"a"}  `,
	`{"S":"a",}`, `{"S" "a"}`, `{"L":01}`, `{"L":-}`, `{"L":1.}`, `{"L":1e}`, `{"L":tru}`, `{}`, `{`,
	`null`, ``, `  `, `[]`, `"x"`, `{"DEC":1E-99999}`, `{"I":1e999999999}`, `{"BY":"not base64!"}`,
	`{"M":{"a":1,"a":2},"A":[[1]]}`, `{"x":` + deep(1100) + `}`, `{"S":` + deep(10) + `}`,
	"{\"S\":\"tab\there\"}", "{\"S\":\"\xff\"}", "{\"\xff\":1}",
}

func deep(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

// scanColumns adds a quoted lower-case twin of S, which one member can feed
// together with S.
func scanColumns() []types.Column {
	return append(fuzzColumns(false), types.Column{Name: "s", Type: types.StringType})
}

// checkScanMatchesTree decodes data with the scanner (falling back as Decode
// does) and with the tree rules alone, and fails on any difference; with a
// projection, the used columns and the outcome must still match.
func checkScanMatchesTree(t *testing.T, data []byte) {
	cols := scanColumns()
	codec, err := NewCodec(JSON, cols, Options{})
	if err != nil {
		t.Fatal(err)
	}
	jc := codec.(*jsonCodec)
	want := make([]any, len(cols))
	wantErr := jc.decodeTree(data, want)
	got := make([]any, len(cols))
	gotErr := jc.Decode(data, got)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%q: scanner error %v, tree error %v", data, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: scanner %#v, tree %#v", data, got, want)
	}
	use := &Projection{Columns: make([]bool, len(cols)), Fields: make([]*Projection, len(cols))}
	for i := range cols {
		use.Columns[i] = i%2 == 0
	}
	pc, err := NewDecoder(JSON, cols, Options{}, use)
	if err != nil {
		t.Fatal(err)
	}
	proj := make([]any, len(cols))
	projErr := pc.Decode(data, proj)
	if fmt.Sprint(projErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%q: projected error %v, tree error %v", data, projErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	for i := range cols {
		if use.Columns[i] && !reflect.DeepEqual(proj[i], want[i]) {
			t.Fatalf("%q: projected column %s = %#v, tree %#v", data, cols[i].Name, proj[i], want[i])
		}
	}
}

func TestScanMatchesTree(t *testing.T) {
	for _, s := range scanSeeds {
		checkScanMatchesTree(t, []byte(s))
	}
}

// FuzzJSONScan checks the scanner against the tree rules on arbitrary input.
func FuzzJSONScan(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkScanMatchesTree)
}

// TestScanAllocations pins the fast path's allocations: a Nexmark bid allocates
// only the values it returns (the BID struct, its strings and boxed numbers).
func TestScanAllocations(t *testing.T) {
	codec, err := NewCodec(JSON, nexmarkColumns, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]any, len(nexmarkColumns))
	allocs := testing.AllocsPerRun(100, func() {
		if err := codec.Decode(nexmarkBid, dst); err != nil {
			t.Fatal(err)
		}
	})
	// The BID struct; 3 strings, each with its interface box; 3 boxed BIGINTs and a
	// boxed TIMESTAMP. EVENT_TYPE is a small integer, which boxes without allocating.
	if allocs > 12 {
		t.Errorf("decoding a bid allocates %.0f times", allocs)
	}
}

// TestPlainPrefix checks the word-at-a-time scan against a byte loop: the
// prefix is the whole words before the first byte a JSON string cannot take
// as it is, for every byte value at every position of a word and for random
// mixes of the bytes next to the special ones (where borrows could mislead a
// word test).
func TestPlainPrefix(t *testing.T) {
	special := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80 }
	want := func(b []byte) int {
		i := 0
		for i < len(b) && !special(b[i]) {
			i++
		}
		return i / 8 * 8
	}
	for c := range 256 {
		for pos := range 24 {
			b := []byte(strings.Repeat("a", 27))
			b[pos] = byte(c)
			if got, w := plainPrefix(b), want(b); got != w {
				t.Fatalf("byte %#x at %d: plainPrefix = %d, want %d", c, pos, got, w)
			}
		}
	}
	alphabet := []byte{'a', ' ', '!', '"', '#', '[', '\\', ']', 0x00, 0x01, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xa2, 0xdc, 0xff}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		if got, w := plainPrefix(b), want(b); got != w {
			t.Fatalf("%q: plainPrefix = %d, want %d", b, got, w)
		}
	}
}

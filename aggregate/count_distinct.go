package aggregate

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sort"

	"github.com/sluice-db/sluice/types"
)

// COUNT_DISTINCT(col) estimates the number of distinct non-null values with a
// HyperLogLog sketch, as ksqlDB does, so its state stays small whatever the
// cardinality. The state is BYTES in one of two forms:
//
//   - sparse: hllSparse, then the sorted distinct 64-bit value hashes (8 bytes
//     each, big-endian). Exact (short of hash collisions) while it lasts.
//   - dense: hllDense, then 2^hllPrecision registers, each the highest rank
//     (leading zeros + 1 of the hash bits below the register index) seen.
//
// The sketch turns dense when the sparse list would outgrow the registers. It
// cannot retract a value; session merges take the union.
const (
	hllPrecision = 12
	hllRegisters = 1 << hllPrecision
	hllSparseMax = hllRegisters / 8 // hashes a sparse state holds at most

	hllSparse byte = 0
	hllDense  byte = 1
)

func buildCountDistinct(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 1 {
		return nil, noSignature("COUNT_DISTINCT", c)
	}
	return &Func{
		Result:       types.BigIntType,
		Intermediate: types.BytesType,
		Init:         func() any { return []byte{hllSparse} },
		Add: func(s any, args []any) any {
			if args[0] == nil {
				return s
			}
			return hllAdd(s.([]byte), hashValue(args[0]))
		},
		Merge: func(a, b any) any {
			x, y := a.([]byte), b.([]byte)
			if y[0] == hllSparse {
				for i := 1; i+8 <= len(y); i += 8 {
					x = hllAdd(x, binary.BigEndian.Uint64(y[i:]))
				}
				return x
			}
			x = hllToDense(x)
			for i, r := range y[1:] {
				x[1+i] = max(x[1+i], r)
			}
			return x
		},
		Final: func(s any) (any, error) { return hllEstimate(s.([]byte)), nil },
	}, nil
}

// hllAdd adds a hash to a sketch, in place when it can, and returns the sketch.
func hllAdd(st []byte, h uint64) []byte {
	if st[0] == hllDense {
		hllSet(st, h)
		return st
	}
	n := (len(st) - 1) / 8
	i := sort.Search(n, func(i int) bool { return binary.BigEndian.Uint64(st[1+8*i:]) >= h })
	if i < n && binary.BigEndian.Uint64(st[1+8*i:]) == h {
		return st
	}
	if n+1 > hllSparseMax {
		return hllAdd(hllToDense(st), h)
	}
	at := 1 + 8*i
	st = append(st, make([]byte, 8)...) // grows in place when it can
	copy(st[at+8:], st[at:len(st)-8])
	binary.BigEndian.PutUint64(st[at:], h)
	return st
}

// hllSet raises h's register in a dense sketch.
func hllSet(st []byte, h uint64) {
	j := h >> (64 - hllPrecision)
	rank := byte(bits.LeadingZeros64(h<<hllPrecision|1<<(hllPrecision-1)) + 1)
	if rank > st[1+j] {
		st[1+j] = rank
	}
}

// hllToDense returns a sketch in dense form.
func hllToDense(st []byte) []byte {
	if st[0] == hllDense {
		return st
	}
	out := make([]byte, 1+hllRegisters)
	out[0] = hllDense
	for i := 1; i+8 <= len(st); i += 8 {
		hllSet(out, binary.BigEndian.Uint64(st[i:]))
	}
	return out
}

// hllEstimate returns the sketch's distinct count: exact in sparse form, else the
// HyperLogLog estimate with linear counting for small cardinalities.
func hllEstimate(st []byte) int64 {
	if st[0] == hllSparse {
		return int64((len(st) - 1) / 8)
	}
	const m = float64(hllRegisters)
	sum, zeros := 0.0, 0
	for _, r := range st[1:] {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

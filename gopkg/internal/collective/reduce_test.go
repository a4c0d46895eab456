package collective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// placements of dst relative to src, in elements (apart: far enough not to
// overlap; inplace: the same range; ahead/behind: partial overlaps).
var placements = []struct {
	name  string
	shift int // elements; apart is special
}{
	{"apart", 0}, {"inplace", 0}, {"ahead", 3}, {"behind", -3},
}

const srcOff = 64

// reduceSetup lays out src and dst (placement p) for count elements of es
// bytes and returns their offsets and the heap size they need.
func reduceSetup(p string, shift int, count, es uintptr) (src, dst, heap uintptr) {
	n := count * es
	src, dst = srcOff, srcOff
	switch p {
	case "apart":
		dst = srcOff + (n+63)/64*64
	default:
		dst = uintptr(int(srcOff) + shift*int(es))
	}
	return src, dst, srcOff + 2*n + 128
}

type typed[T number] struct {
	dt   Dtype
	fill func(rng *rand.Rand) T
}

func intFill[T integer](rng *rand.Rand) T { return T(rng.Uint64()) }

// floatFill avoids zeros (the sign of a zero min/max result is not
// interesting here) and keeps products of eight values finite.
func floatFill[T floating](rng *rand.Rand) T {
	v := rng.NormFloat64() * 3
	if math.Abs(v) < 1e-3 {
		v = 1.5
	}
	return T(v)
}

// reference is a sequential reduction in rank order, element by element.
func reference[T number](op Op, srcs [][]T) []T {
	out := append([]T(nil), srcs[0]...)
	for _, s := range srcs[1:] {
		for i := range out {
			out[i] = apply(op, out[i], s[i])
		}
	}
	return out
}

func apply[T number](op Op, a, b T) T {
	switch op {
	case Sum:
		return a + b
	case Prod:
		return a * b
	case Min:
		return min(a, b)
	case Max:
		return max(a, b)
	}
	// Bitwise ops only reach here for integers: the conversions keep the
	// bits they combine (sign extension does not reach the low bits).
	x, y := int64(a), int64(b)
	switch op {
	case And:
		return T(x & y)
	case Or:
		return T(x | y)
	default:
		return T(x ^ y)
	}
}

// checkReduce runs one all-reduction on a fake team and compares every
// member's dst with the reference.
func checkReduce[T number](t *testing.T, ty typed[T], op Op, size int, count uintptr, place string, shift int,
	reach reachability) {
	t.Helper()
	es := ty.dt.Size()
	srcAt, dstAt, heap := reduceSetup(place, shift, count, es)
	team := newFakeTeam(size, heap, reach)
	rng := rand.New(rand.NewPCG(uint64(size), uint64(count)*31+uint64(op)))
	srcs := make([][]T, size)
	for rank := range size {
		srcs[rank] = make([]T, count)
		for i := range srcs[rank] {
			srcs[rank][i] = ty.fill(rng)
		}
		copy(sliceAt[T](team.sym(rank, srcAt), int(count)), srcs[rank])
	}
	want := reference(op, srcs)
	if count == 0 {
		want = []T{}
	}
	team.mustRun(t, func(c *fakeComm) error {
		return Reduce(c, team.sym(c.rank, dstAt), team.sym(c.rank, srcAt), count, ty.dt, op)
	})
	for rank := range size {
		got := append([]T{}, sliceAt[T](team.sym(rank, dstAt), int(count))...)
		require.Equal(t, want, got, "member %d of %d", rank, size)
		if place == "apart" {
			require.Equal(t, srcs[rank], append([]T{}, sliceAt[T](team.sym(rank, srcAt), int(count))...),
				"member %d's source changed", rank)
		}
	}
}

// bigCount is an element count just past the whole-array path, so that the
// reduce-scatter path runs, with chunks that do not divide evenly.
func bigCount(es uintptr, size int) uintptr { return smallReduceBytes/(es*uintptr(size)) + 37 }

func everyOp[T number](t *testing.T, ty typed[T]) {
	for op := Sum; op < opEnd; op++ {
		if folds[ty.dt][op] == nil {
			continue
		}
		for _, size := range []int{3, 5} {
			for _, count := range []uintptr{1, 67, bigCount(ty.dt.Size(), size)} {
				t.Run(name(op, "/", size, "/", count), func(t *testing.T) {
					checkReduce(t, ty, op, size, count, "apart", 0, reachModes[0].reach)
				})
			}
		}
	}
}

func TestReduceEveryDtypeAndOp(t *testing.T) {
	t.Run("int8", func(t *testing.T) { everyOp(t, typed[int8]{Int8, intFill[int8]}) })
	t.Run("int16", func(t *testing.T) { everyOp(t, typed[int16]{Int16, intFill[int16]}) })
	t.Run("int32", func(t *testing.T) { everyOp(t, typed[int32]{Int32, intFill[int32]}) })
	t.Run("int64", func(t *testing.T) { everyOp(t, typed[int64]{Int64, intFill[int64]}) })
	t.Run("uint8", func(t *testing.T) { everyOp(t, typed[uint8]{Uint8, intFill[uint8]}) })
	t.Run("uint16", func(t *testing.T) { everyOp(t, typed[uint16]{Uint16, intFill[uint16]}) })
	t.Run("uint32", func(t *testing.T) { everyOp(t, typed[uint32]{Uint32, intFill[uint32]}) })
	t.Run("uint64", func(t *testing.T) { everyOp(t, typed[uint64]{Uint64, intFill[uint64]}) })
	t.Run("float32", func(t *testing.T) { everyOp(t, typed[float32]{Float32, floatFill[float32]}) })
	t.Run("float64", func(t *testing.T) { everyOp(t, typed[float64]{Float64, floatFill[float64]}) })
}

// Every team size, every placement of dst, every way of reaching peers, on
// both paths.
func TestReduceSizesPlacementsAndReach(t *testing.T) {
	f32 := typed[float32]{Float32, floatFill[float32]}
	i16 := typed[int16]{Int16, intFill[int16]}
	u64 := typed[uint64]{Uint64, intFill[uint64]}
	for size := 1; size <= 8; size++ {
		for _, p := range placements {
			for _, rm := range reachModes {
				for _, count := range []uintptr{0, 1, 7, bigCount(4, size)} {
					t.Run(name(size, "/", p.name, "/", rm.name, "/", count), func(t *testing.T) {
						checkReduce(t, f32, Sum, size, count, p.name, p.shift, rm.reach)
						checkReduce(t, i16, Xor, size, count, p.name, p.shift, rm.reach)
						checkReduce(t, u64, Max, size, count, p.name, p.shift, rm.reach)
					})
				}
			}
		}
	}
}

func TestReduceMinMaxPropagateNaN(t *testing.T) {
	team := newFakeTeam(3, 4096, reachModes[0].reach)
	for rank := range 3 {
		v := sliceAt[float64](team.sym(rank, srcOff), 2)
		v[0], v[1] = float64(rank), float64(rank)
	}
	sliceAt[float64](team.sym(1, srcOff), 1)[0] = math.NaN()
	for _, op := range []Op{Min, Max, Sum} {
		team.mustRun(t, func(c *fakeComm) error {
			return Reduce(c, team.sym(c.rank, 1024), team.sym(c.rank, srcOff), 2, Float64, op)
		})
		for rank := range 3 {
			got := sliceAt[float64](team.sym(rank, 1024), 2)
			require.True(t, math.IsNaN(got[0]), "%s: %v", op, got)
			require.Equal(t, apply(op, apply(op, 0.0, 1.0), 2.0), got[1], "%s", op)
		}
	}
}

// Repeated collectives on the same buffers, with the sources rewritten in
// between, must never see a previous round's data: the closing barrier makes
// the buffers safe to reuse at once.
func TestReduceBackToBackReuse(t *testing.T) {
	const size, count = 4, 5000
	team := newFakeTeam(size, 1<<16, reachModes[0].reach)
	team.mustRun(t, func(c *fakeComm) error {
		src, dst := team.sym(c.rank, srcOff), team.sym(c.rank, srcOff+count*4)
		for round := range 20 {
			v := sliceAt[int32](src, count)
			for i := range v {
				v[i] = int32(round*100 + c.rank + i)
			}
			if err := Reduce(c, dst, src, count, Int32, Sum); err != nil {
				return err
			}
			for i, x := range sliceAt[int32](dst, count) {
				if want := int32(size*(round*100+i) + 6); x != want {
					return errBarrier
				}
			}
		}
		return nil
	})
}

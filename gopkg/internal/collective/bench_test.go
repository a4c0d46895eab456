package collective

import (
	"testing"
)

// The element loops on data that fits the cache (16 KiB tiles, as Reduce
// runs them) and on 1 MiB sources, four sources at once (a team of four).
func benchFold(b *testing.B, dt Dtype, op Op, bytesPerSource uintptr) {
	srcs := make([]uintptr, 4)
	keep := make([][]byte, 5)
	for i := range keep {
		keep[i] = aligned8(bytesPerSource)
	}
	for i := range srcs {
		srcs[i] = addrOf(keep[i])
	}
	n := int(bytesPerSource / dt.Size())
	f := folds[dt][op]
	b.SetBytes(int64(4 * bytesPerSource))
	for b.Loop() {
		f(addrOf(keep[4]), srcs, n)
	}
}

func BenchmarkFoldSumFloat32Tile(b *testing.B) { benchFold(b, Float32, Sum, tileBytes) }
func BenchmarkFoldSumFloat32MiB(b *testing.B)  { benchFold(b, Float32, Sum, 1<<20) }
func BenchmarkFoldSumFloat64MiB(b *testing.B)  { benchFold(b, Float64, Sum, 1<<20) }
func BenchmarkFoldMaxFloat32MiB(b *testing.B)  { benchFold(b, Float32, Max, 1<<20) }
func BenchmarkFoldSumInt32MiB(b *testing.B)    { benchFold(b, Int32, Sum, 1<<20) }
func BenchmarkFoldXorUint8MiB(b *testing.B)    { benchFold(b, Uint8, Xor, 1<<20) }

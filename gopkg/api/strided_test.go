package api

import (
	"encoding/binary"
	"math"
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Strided put and get within one PE's heap: every element lands where the
// strides say and nothing between them is touched; bad layouts copy nothing.
func TestStridedSinglePE(t *testing.T) {
	pendingChunk.Store(0)
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()

	sym, err := Calloc(64, 4)
	require.NoError(t, err)
	local := make([]uint32, 16)
	for i := range local {
		local[i] = uint32(100 + i)
	}
	src := int64(uintptr(unsafe.Pointer(&local[0])))
	// elements 0, 2, 4, 6 of local to elements 0, 3, 6, 9 of sym
	_, err = Iput(sym, src, 3, 2, 4, 4, 0)
	require.NoError(t, err)
	heap := unsafe.Slice((*uint32)(heapAt(sym)), 64)
	want := make([]uint32, 12)
	want[0], want[3], want[6], want[9] = 100, 102, 104, 106
	assert.Equal(t, want, heap[:12])

	back := make([]uint32, 8)
	dst := int64(uintptr(unsafe.Pointer(&back[0])))
	_, err = Iget(dst, sym, 2, 3, 4, 4, 0) // elements 0, 3, 6, 9 of sym to 0, 2, 4, 6 of back
	require.NoError(t, err)
	assert.Equal(t, []uint32{100, 0, 102, 0, 104, 0, 106, 0}, back)

	// 16-byte elements (iput128), contiguous: one copy
	wide := make([]byte, 48)
	for i := range wide {
		wide[i] = byte(i)
	}
	_, err = Iput(sym, int64(uintptr(unsafe.Pointer(&wide[0]))), 1, 1, 3, 16, 0)
	require.NoError(t, err)
	assert.Equal(t, wide, unsafe.Slice((*byte)(heapAt(sym)), 48))

	before := append([]uint32(nil), heap...)
	for i, call := range []func() (int, error){
		func() (int, error) { return Iput(sym, src, 0, 1, 4, 4, 0) },     // zero stride
		func() (int, error) { return Iput(sym, src, 1, -1, 4, 4, 0) },    // negative stride
		func() (int, error) { return Iput(sym, src, 1, 1, 4, 3, 0) },     // not a power-of-two size
		func() (int, error) { return Iput(sym, src, 1<<40, 1, 4, 4, 0) }, // last element past the heap
		func() (int, error) { return Iput(sym, src, 1, 1, -4, 4, 0) },    // negative count
		func() (int, error) { return Iget(dst, sym, 1, 1, 4, 4, 1) },     // no PE 1
		func() (int, error) { return Iget(dst, -1, 1, 1, 4, 4, 0) },      // not an address
		func() (int, error) { return Iput(sym, src, 1<<62, 1, 4, 4, 0) }, // extent overflows
	} {
		_, err := call()
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "case %d: %v", i, err)
	}
	assert.Equal(t, before, heap, "a rejected call copied something")
	_, err = Iput(sym, src, 1, 1, 0, 4, 0)
	assert.NoError(t, err, "zero elements")
}

func TestPutFloatRange(t *testing.T) {
	pendingChunk.Store(0)
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()
	p, err := Calloc(1, 8)
	require.NoError(t, err)
	word := unsafe.Slice((*byte)(heapAt(p)), 8)
	for _, v := range []float64{1e39, -1e39, math.MaxFloat64} {
		_, err = PutFloat(p, v, 4, 0)
		assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), "%g", v)
		assert.Zero(t, binary.LittleEndian.Uint32(word), "%g was stored", v)
	}
	for _, v := range []float64{math.MaxFloat32, math.Inf(1), 1.5, 1e-50} {
		_, err = PutFloat(p, v, 4, 0)
		require.NoError(t, err, "%g", v)
		assert.Equal(t, math.Float32bits(float32(v)), binary.LittleEndian.Uint32(word))
	}
	_, err = PutFloat(p, 1e300, 8, 0)
	assert.NoError(t, err, "a double holds 1e300")
}

// heapAt is the symmetric heap address a as a pointer. The heap is mapped
// outside the Go heap, so the GC neither moves nor frees it.
//
// Not inlined: inlined into a test, Go 1.26.8's compiler panics on this load
// (disjointTypes: "one of arguments is not a pointer").
//
//go:noinline
func heapAt(a int64) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

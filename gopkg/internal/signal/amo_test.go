package signal

import (
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Apply32 and Apply64 map every operation code to its atomic, the same for
// the local path and the network engine's target side.
func TestApplyEveryOperation(t *testing.T) {
	words := make([]int64, 4)
	wake := addrOfWords(words[2:])
	w64 := addrOfWords(words[:1])
	w32 := addrOfWords(words[1:2])
	steps := []struct {
		op        int
		v, cond   int64
		old, want int64
	}{
		{AmoSet, 7, 0, 0, 7},
		{AmoFetch, 0, 0, 7, 7},
		{AmoFetchAdd, 5, 0, 7, 12},
		{AmoAdd, -2, 0, 0, 10},
		{AmoSwap, 3, 0, 10, 3},
		{AmoCompareSwap, 9, 4, 3, 3}, // cond differs: no swap
		{AmoCompareSwap, 9, 3, 3, 9},
	}
	for _, s := range steps {
		old, err := Apply64(s.op, w64, wake, s.v, s.cond)
		require.NoError(t, err)
		assert.Equal(t, s.old, old, "64-bit op %d", s.op)
		assert.Equal(t, s.want, Fetch64(w64))
		old32, err := Apply32(s.op, w32, wake, int32(s.v), int32(s.cond))
		require.NoError(t, err)
		assert.EqualValues(t, s.old, old32, "32-bit op %d", s.op)
		assert.EqualValues(t, s.want, Fetch32(w32))
	}
	_, err := Apply64(6, w64, wake, 0, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = Apply32(-1, w32, wake, 0, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = Apply64(AmoFetch, w64+4, wake, 0, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "misaligned fetch")
}

// addrOfWords is the address of words[0]; the slice keeps the memory alive
// for the test, and Go's heap does not move.
func addrOfWords(words []int64) uintptr { return uintptr(unsafe.Pointer(&words[0])) }

package liveness

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gateWords reads the gates as the facade does: through their address.
func gateWords(s *Set, n int) []uint32 {
	addr := s.GateAddr()
	words := unsafe.Slice(*(**uint32)(unsafe.Pointer(&addr)), n) // memory outside Go's heap, never freed
	out := make([]uint32, n)
	for i := range words {
		out[i] = atomic.LoadUint32(&words[i])
	}
	return out
}

func TestGatesOpenUntilDeathOrClose(t *testing.T) {
	s := New(3)
	require.NotZero(t, s.GateAddr())
	assert.Equal(t, []uint32{1, 1, 1}, gateWords(s, 3))
	s.MarkDead(1)
	assert.Equal(t, []uint32{1, 0, 1}, gateWords(s, 3), "a dead PE's gate shuts, the others stay open")
	s.Close()
	assert.Equal(t, []uint32{0, 0, 0}, gateWords(s, 3), "closing the job shuts every gate")
	s.Close()
	s.MarkDead(2)
	assert.Equal(t, []uint32{0, 0, 0}, gateWords(s, 3))
}

func TestGatesOfEveryJobAreTheirOwn(t *testing.T) {
	a := New(2)
	a.Close()
	b := New(2)
	assert.NotEqual(t, a.GateAddr(), b.GateAddr(), "a closed job's gates are never reused: a stale view reads 0")
	assert.Equal(t, []uint32{0, 0}, gateWords(a, 2))
	assert.Equal(t, []uint32{1, 1}, gateWords(b, 2))
}

func TestNoGatesWithoutPEs(t *testing.T) {
	assert.Zero(t, New(0).GateAddr())
	var none *Set
	assert.Zero(t, none.GateAddr())
	none.Close()
}

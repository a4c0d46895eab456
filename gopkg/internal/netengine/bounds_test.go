package netengine

import (
	"bytes"
	"math"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// TestOutOfRangeRejectedByTheCaller: the issuing side refuses ranges outside
// the heap before sending anything.
func TestOutOfRangeRejectedByTheCaller(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	e := nodes[0].eng
	buf := mmapBytes(t, 8192)
	for _, r := range []struct{ off, n uintptr }{{4096, 1}, {4095, 2}, {0, 4097}, {^uintptr(0), 2}, {1, ^uintptr(0)}} {
		text := "outside PE 1's symmetric heap of 4096 bytes"
		requireCode(t, e.Put(1, r.off, addrOf(buf), r.n), errcode.InvalidParam, text)
		requireCode(t, e.PutNBI(1, r.off, addrOf(buf), r.n), errcode.InvalidParam, text)
		requireCode(t, e.Get(addrOf(buf), 1, r.off, r.n), errcode.InvalidParam, text)
		requireCode(t, e.GetNBI(addrOf(buf), 1, r.off, r.n), errcode.InvalidParam, text)
	}
	require.NoError(t, e.Quiet(), "rejected calls leave nothing for Quiet")
	require.Equal(t, make([]byte, 4096), nodes[1].heap, "nothing was written")
}

// TestOutOfRangeRejectedByTheTarget: a peer that believes the heap is larger
// (a bug) gets errors from the target, for every kind of call, and the
// target's heap is untouched.
func TestOutOfRangeRejectedByTheTarget(t *testing.T) {
	a := newNode(t, 0, 2, 1<<20, func(c *Config) { c.ChunkSize = 16 << 10 })
	b := newNode(t, 1, 2, 64<<10, nil)
	require.NoError(t, a.eng.Connect([]string{a.eng.Addr(), b.eng.Addr()}, []bool{false, true}))
	src := localBytes(t, 200<<10, 1)
	text := "PE 1: range"

	// A put whose first chunks fit and whose later ones do not: the error
	// comes back once, for the whole put.
	requireCode(t, a.eng.Put(1, 32<<10, addrOf(src), 100<<10), errcode.InvalidParam, text)
	requireCode(t, a.eng.Put(1, 1<<19, addrOf(src), 8), errcode.InvalidParam, "outside PE 1's symmetric heap of 65536")
	dst := mmapBytes(t, 100<<10)
	requireCode(t, a.eng.Get(addrOf(dst), 1, 32<<10, 100<<10), errcode.InvalidParam, text)
	_, err := a.eng.Atomic(1, AtomicAdd, 8, 1<<19, 1, 0)
	requireCode(t, err, errcode.InvalidParam, text)
	requireCode(t, a.eng.Signal(1, 1<<19, signal.SigAdd, 1, false), errcode.InvalidParam, text)

	require.NoError(t, a.eng.PutNBI(1, 1<<19, addrOf(src), 8))
	require.NoError(t, a.eng.GetNBI(addrOf(dst), 1, 1<<19, 8))
	requireCode(t, a.eng.Quiet(), errcode.InvalidParam, text)
	require.NoError(t, a.eng.Quiet(), "reported once")

	// The in-range part of the first put landed (chunks before the bad
	// one); beyond the heap nothing can have been written, and the
	// connection still works.
	require.Equal(t, src[:32<<10], b.at(32<<10, 32<<10))
	require.NoError(t, a.eng.Put(1, 0, addrOf(src), 8))
	require.Equal(t, src[:8], b.at(0, 8))
}

// TestMaliciousFrames: a client that passed the handshake but sends frames
// no engine would: every range is checked on the target, and frames that
// break the protocol close the connection.
func TestMaliciousFrames(t *testing.T) {
	target := newNode(t, 1, 2, 4096, nil)
	heapBefore := bytes.Clone(target.heap)
	c := dialRaw(t, target, 1, 0, 2)

	// Puts out of range, with their payload: answered with an error, the
	// payload dropped (the next frame is still understood).
	for _, off := range []uint64{4096, 4090, math.MaxUint64 - 3, 1 << 63} {
		c.send(t, request{op: opPut, flags: flagFinal, id: off, off: off, len: 8}, []byte("ABCDEFGH"))
		r, msg := c.answer(t)
		require.Equal(t, uint8(statusError), r.status)
		require.Equal(t, off, r.id)
		require.Equal(t, int32(errcode.InvalidParam), r.code)
		require.Contains(t, string(msg), "outside PE 1's symmetric heap")
	}
	// A get of more than a frame may carry closes the connection.
	c.send(t, request{op: opGet, flags: flagFinal, id: 1, off: 8, len: math.MaxUint64 - 4}, nil)
	c.requireClosed(t)
	require.Equal(t, heapBefore, target.heap)

	c = dialRaw(t, target, 1, 0, 2)
	c.send(t, request{op: opGet, flags: flagFinal, id: 2, off: 4000, len: 100}, nil)
	r, _ := c.answer(t)
	require.Equal(t, uint8(statusError), r.status)
	for _, bad := range []request{
		{op: opAtomic, aux: AtomicAdd, width: 8, off: 4, a: 1},            // misaligned
		{op: opAtomic, aux: AtomicAdd, width: 8, off: 4096, a: 1},         // outside
		{op: opAtomic, aux: AtomicAdd, width: 3, off: 0, a: 1},            // bad width
		{op: opAtomic, aux: 99, width: 4, off: 0, a: 1},                   // bad operation
		{op: opPut, flags: flagFinal | flagSignal, aux: 0, a: 4094, b: 1}, // signal word outside
		{op: opPut, flags: flagFinal | flagSignal, aux: 0, a: 2, b: 1},    // signal word misaligned
		{op: opPut, flags: flagFinal | flagSignal, aux: 9, a: 0, b: 1},    // bad signal operation
	} {
		bad.id = 77
		c.send(t, bad, nil)
		r, msg := c.answer(t)
		require.Equal(t, uint8(statusError), r.status, "frame %+v", bad)
		require.Equal(t, int32(errcode.InvalidParam), r.code, "frame %+v: %s", bad, msg)
	}
	require.Equal(t, heapBefore, target.heap)

	// A valid put still works on this connection.
	c.send(t, request{op: opPut, flags: flagFinal | flagAck, id: 3, off: 0, len: 4}, []byte("good"))
	r, _ = c.answer(t)
	require.Equal(t, uint8(statusOK), r.status)
	require.Equal(t, []byte("good"), target.at(0, 4))

	// Unknown operations and oversized frames end the connection.
	c.send(t, request{op: 42, id: 4}, nil)
	c.requireClosed(t)
	c = dialRaw(t, target, 1, 0, 2)
	c.send(t, request{op: opPut, flags: flagFinal, id: 5, off: 0, len: maxFrameLen + 1}, nil)
	c.requireClosed(t)
	target.logs.waitForLog(t, "unknown operation 42")
}

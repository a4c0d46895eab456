package transporttest

import (
	"encoding/binary"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/stretchr/testify/require"
)

// Run runs every conformance test on fixtures made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(*testing.T, Fixture)
	}{
		{"PutGetRoundTrip", putGetRoundTrip},
		{"ZeroLengthIsANoOp", zeroLength},
		{"BadArguments", badArguments},
		{"PutSignal", putSignal},
		{"BadSignal", badSignal},
		{"Atomics", atomics},
		{"BadAtomics", badAtomics},
		{"ChunkSize", chunkSize},
		{"DeadPE", deadPE},
		{"Close", closeTransport},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

func requireCode(t *testing.T, err error, code int, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, code, errcode.CodeOf(err), append([]any{"error %v"}, append([]any{err}, msgAndArgs...)...)...)
}

func pattern(n uintptr, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

// Puts and gets of every size class (a word, an odd size, several chunks),
// blocking and NBI, land exactly where asked and nowhere else.
func putGetRoundTrip(t *testing.T, f Fixture) {
	big := 3*f.Chunk + 5
	for i, n := range []uintptr{1, 8, 4097, big} {
		for _, nbi := range []bool{false, true} {
			clear(f.Heap)
			src := Map(t, n)
			copy(src, pattern(n, byte(i)))
			off := uintptr(24)
			if nbi {
				require.NoError(t, f.T.PutNBI(f.PE, off, Addr(src), n))
				require.NoError(t, f.T.Quiet())
			} else {
				require.NoError(t, f.T.Put(f.PE, off, Addr(src), n))
			}
			require.Equal(t, src, f.Heap[off:off+n], "put of %d bytes (nbi %v)", n, nbi)
			require.Zero(t, f.Heap[off-1], "a byte before the put was written")
			require.Zero(t, f.Heap[off+n], "a byte after the put was written")

			dst := Map(t, n+1)
			if nbi {
				require.NoError(t, f.T.GetNBI(Addr(dst), f.PE, off, n))
				require.NoError(t, f.T.Quiet())
			} else {
				require.NoError(t, f.T.Get(Addr(dst), f.PE, off, n))
			}
			require.Equal(t, src, dst[:n], "get of %d bytes (nbi %v)", n, nbi)
			require.Zero(t, dst[n], "get wrote past its end")
		}
	}
	require.NoError(t, f.T.Fence())
	require.NoError(t, f.T.Quiet(), "nothing failed, so Quiet has nothing to report")
}

// n == 0 moves nothing and succeeds whatever the other arguments.
func zeroLength(t *testing.T, f Fixture) {
	huge := ^uintptr(0) - 3
	require.NoError(t, f.T.Put(f.PE, huge, 0, 0))
	require.NoError(t, f.T.Get(0, f.PE, huge, 0))
	require.NoError(t, f.T.PutNBI(f.PE, huge, 0, 0))
	require.NoError(t, f.T.GetNBI(0, f.PE, huge, 0))
	require.NoError(t, f.T.Quiet())
}

// Every engine refuses the same mistakes with the same codes, before it
// moves anything.
func badArguments(t *testing.T, f Fixture) {
	heap := uintptr(len(f.Heap))
	src := Map(t, 64)
	for _, pe := range []int{-1, f.NPEs} {
		requireCode(t, f.T.Put(pe, 0, Addr(src), 8), errcode.InvalidParam, "put to PE %d", pe)
		requireCode(t, f.T.Get(Addr(src), pe, 0, 8), errcode.InvalidParam, "get from PE %d", pe)
		_, err := f.T.Atomic(pe, signal.AmoFetch, 8, 0, 0, 0)
		requireCode(t, err, errcode.InvalidParam, "atomic on PE %d", pe)
	}
	for _, c := range []struct{ off, n uintptr }{{heap - 4, 8}, {heap, 1}, {^uintptr(0) - 2, 8}, {0, heap + 1}} {
		requireCode(t, f.T.Put(f.PE, c.off, Addr(src), c.n), errcode.InvalidParam, "put at %#x+%d", c.off, c.n)
		requireCode(t, f.T.Get(Addr(src), f.PE, c.off, c.n), errcode.InvalidParam, "get at %#x+%d", c.off, c.n)
	}
	requireCode(t, f.T.Put(f.PE, 0, ^uintptr(0)-4, 8), errcode.InvalidParam, "a local range that wraps")
	requireCode(t, f.T.Get(^uintptr(0)-4, f.PE, 0, 8), errcode.InvalidParam, "a local range that wraps")
	require.Equal(t, make([]byte, len(f.Heap)), f.Heap, "a refused call wrote the heap")
}

func word32(heap []byte, off uintptr) int32 {
	return int32(binary.NativeEndian.Uint32(heap[off:]))
}

// The signal follows its data, on both operations, with and without data,
// blocking and NBI.
func putSignal(t *testing.T, f Fixture) {
	const sigOff = 8
	n := 2*f.Chunk + 3
	src := Map(t, n)
	copy(src, pattern(n, 7))
	require.NoError(t, f.T.PutSignal(f.PE, 64, Addr(src), n, transport.Signal{Off: sigOff, Op: signal.SigSet, Value: 40}, false))
	require.EqualValues(t, 40, word32(f.Heap, sigOff))
	require.Equal(t, src, f.Heap[64:64+n])

	require.NoError(t, f.T.PutSignal(f.PE, 64, Addr(src), 8, transport.Signal{Off: sigOff, Op: signal.SigAdd, Value: 2}, true))
	require.NoError(t, f.T.Quiet())
	require.EqualValues(t, 42, word32(f.Heap, sigOff))

	// A signal alone.
	require.NoError(t, f.T.PutSignal(f.PE, 0, 0, 0, transport.Signal{Off: sigOff, Op: signal.SigAdd, Value: -50}, false))
	require.EqualValues(t, -8, word32(f.Heap, sigOff))
}

// A bad signal is refused before its data moves; a failed put does not
// signal.
func badSignal(t *testing.T, f Fixture) {
	heap := uintptr(len(f.Heap))
	src := Map(t, 64)
	copy(src, pattern(64, 3))
	for _, c := range []struct {
		sig  transport.Signal
		code int
	}{
		{transport.Signal{Off: 8, Op: 7, Value: 1}, errcode.InvalidParam},
		{transport.Signal{Off: 6, Op: signal.SigSet, Value: 1}, errcode.InvalidParam},
		{transport.Signal{Off: heap - 2, Op: signal.SigSet, Value: 1}, errcode.InvalidParam},
		{transport.Signal{Off: heap, Op: signal.SigSet, Value: 1}, errcode.InvalidParam},
	} {
		requireCode(t, f.T.PutSignal(f.PE, 64, Addr(src), 64, c.sig, false), c.code, "signal %+v", c.sig)
	}
	requireCode(t, f.T.PutSignal(f.PE, heap-8, Addr(src), 64, transport.Signal{Off: 8, Op: signal.SigSet, Value: 1}, false),
		errcode.InvalidParam, "a put outside the heap")
	require.Equal(t, make([]byte, len(f.Heap)), f.Heap, "a refused put-with-signal wrote the heap")
}

// Every operation on both widths returns the previous value and leaves the
// right one, 32-bit values sign-extended.
func atomics(t *testing.T, f Fixture) {
	type step struct {
		op            int
		operand, cond int64
		old, now      int64
	}
	for _, width := range []int{4, 8} {
		off := uintptr(128)
		read := func() int64 {
			if width == 4 {
				return int64(word32(f.Heap, off))
			}
			return int64(binary.NativeEndian.Uint64(f.Heap[off:]))
		}
		big := int64(-5)
		if width == 8 {
			big = -5 << 40
		}
		for _, s := range []step{
			{signal.AmoSet, big, 0, 0, big},
			{signal.AmoFetch, 0, 0, big, big},
			{signal.AmoSwap, 9, 0, big, 9},
			{signal.AmoCompareSwap, 1, 8, 9, 9}, // cond 8 != 9: no swap
			{signal.AmoCompareSwap, 1, 9, 9, 1},
			{signal.AmoFetchAdd, 10, 0, 1, 11},
			{signal.AmoAdd, -20, 0, 11, -9},
		} {
			old, err := f.T.Atomic(f.PE, s.op, width, off, s.operand, s.cond)
			require.NoError(t, err, "op %d width %d", s.op, width)
			if s.op != signal.AmoAdd && s.op != signal.AmoSet {
				require.Equal(t, s.old, old, "previous value of op %d width %d", s.op, width)
			}
			require.Equal(t, s.now, read(), "value after op %d width %d", s.op, width)
		}
	}
	// An unsigned 32-bit operand is the same bits as its signed form.
	_, err := f.T.Atomic(f.PE, signal.AmoSet, 4, 0, 0xFFFFFFFF, 0)
	require.NoError(t, err)
	old, err := f.T.Atomic(f.PE, signal.AmoFetch, 4, 0, 0, 0)
	require.NoError(t, err)
	require.EqualValues(t, -1, old)
}

func badAtomics(t *testing.T, f Fixture) {
	heap := uintptr(len(f.Heap))
	for _, c := range []struct {
		op, width     int
		off           uintptr
		operand, cond int64
		code          int
	}{
		{99, 8, 0, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 2, 0, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 8, 4, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 4, 2, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 8, heap - 4, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 8, heap, 0, 0, errcode.InvalidParam},
		{signal.AmoSet, 4, 0, 1 << 32, 0, errcode.InvalidValue},
		{signal.AmoCompareSwap, 4, 0, 1, -1 << 40, errcode.InvalidValue},
	} {
		_, err := f.T.Atomic(f.PE, c.op, c.width, c.off, c.operand, c.cond)
		requireCode(t, err, c.code, "atomic %+v", c)
	}
	require.Equal(t, make([]byte, len(f.Heap)), f.Heap, "a refused atomic wrote the heap")
}

func chunkSize(t *testing.T, f Fixture) {
	require.Equal(t, f.Chunk, f.T.ChunkSize())
	requireCode(t, f.T.SetChunkSize(0), errcode.InvalidValue)
	require.Equal(t, f.Chunk, f.T.ChunkSize(), "a refused size changed the size")
	require.NoError(t, f.T.SetChunkSize(4096+3))
	require.Equal(t, uintptr(4096+3), f.T.ChunkSize())
	// Transfers split in the new size still land whole.
	n := 5*4096 + 1
	src := Map(t, uintptr(n))
	copy(src, pattern(uintptr(n), 9))
	require.NoError(t, f.T.Put(f.PE, 0, Addr(src), uintptr(n)))
	require.Equal(t, src, f.Heap[:n])
}

// Once the job knows PE is dead every call to it fails with BootstrapError
// and its heap is left alone.
func deadPE(t *testing.T, f Fixture) {
	if f.Kill == nil {
		t.Skip("this transport learns of deaths from its connections, not from the job's liveness")
	}
	src := Map(t, 64)
	copy(src, pattern(64, 1))
	f.Kill()
	requireCode(t, f.T.Put(f.PE, 0, Addr(src), 64), errcode.BootstrapError)
	requireCode(t, f.T.Get(Addr(src), f.PE, 0, 64), errcode.BootstrapError)
	err := f.T.PutNBI(f.PE, 0, Addr(src), 64)
	if err == nil {
		err = f.T.Quiet()
	}
	requireCode(t, err, errcode.BootstrapError)
	requireCode(t, f.T.PutSignal(f.PE, 0, 0, 0, transport.Signal{Off: 0, Op: signal.SigSet, Value: 1}, false),
		errcode.BootstrapError)
	_, err = f.T.Atomic(f.PE, signal.AmoSet, 8, 0, 1, 0)
	requireCode(t, err, errcode.BootstrapError)
	require.Equal(t, make([]byte, len(f.Heap)), f.Heap, "a dead PE's heap was written")
}

// Close is idempotent, and every call after it is NotInited.
func closeTransport(t *testing.T, f Fixture) {
	require.NoError(t, f.T.Close())
	require.NoError(t, f.T.Close())
	src := Map(t, 8)
	closed := func(err error, what string) { requireCode(t, err, errcode.NotInited, what) }
	closed(f.T.Put(f.PE, 0, Addr(src), 8), "Put")
	closed(f.T.Get(Addr(src), f.PE, 0, 8), "Get")
	closed(f.T.PutNBI(f.PE, 0, Addr(src), 8), "PutNBI")
	closed(f.T.GetNBI(Addr(src), f.PE, 0, 8), "GetNBI")
	closed(f.T.PutSignal(f.PE, 0, Addr(src), 8, transport.Signal{Op: signal.SigSet}, false), "PutSignal")
	_, err := f.T.Atomic(f.PE, signal.AmoFetch, 8, 0, 0, 0)
	closed(err, "Atomic")
	closed(f.T.Quiet(), "Quiet")
	closed(f.T.Fence(), "Fence")
	closed(f.T.SetChunkSize(4096), "SetChunkSize")
}

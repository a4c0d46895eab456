package netengine

import (
	"fmt"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

const rmaHeap = 8 << 20

// rmaSizes cross every boundary: the write buffer's small-payload limit, the
// 64 KiB I/O buffers, and (with rmaChunk) several chunks, some partial.
var rmaSizes = []uintptr{1, 7, 8, 63, 4096, smallPayload, smallPayload + 1, 64<<10 - 1, 64<<10 + 3,
	1 << 20, 3<<20 + 5}

const rmaChunk = 256 << 10

func TestPutGetManySizes(t *testing.T) {
	nodes := cluster(t, 2, rmaHeap, func(c *Config) { c.ChunkSize = rmaChunk })
	a, b := nodes[0], nodes[1]
	for i, n := range rmaSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			off := uintptr(4096*i + i) // unaligned offsets too
			src := localBytes(t, int(n), uint64(i))
			require.NoError(t, a.eng.Put(1, off, addrOf(src), n))
			require.Equal(t, src, b.at(off, n), "put of %d bytes", n)

			// Read it back into a fresh buffer, and read a region of a's
			// heap from b the other way round.
			dst := mmapBytes(t, n)
			require.NoError(t, a.eng.Get(addrOf(dst), 1, off, n))
			require.Equal(t, src, dst)
			copy(a.at(off, n), randomBytes(int(n), uint64(i)+100))
			back := mmapBytes(t, n)
			require.NoError(t, b.eng.Get(addrOf(back), 0, off, n))
			require.Equal(t, a.at(off, n), back)
		})
	}
}

// TestPutFromGoMemory: local sides may be Go memory too (Python buffers are
// not mmap'ed), and the race detector then watches the copies.
func TestPutFromGoMemory(t *testing.T) {
	nodes := cluster(t, 2, 1<<20, nil)
	src := randomBytes(100000, 7)
	require.NoError(t, nodes[0].eng.Put(1, 64, addrOf(src), uintptr(len(src))))
	dst := make([]byte, len(src))
	require.NoError(t, nodes[0].eng.Get(addrOf(dst), 1, 64, uintptr(len(dst))))
	require.Equal(t, src, dst)
}

func TestZeroBytesDoNothing(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	// Any offset and address: n == 0 touches nothing and succeeds.
	require.NoError(t, nodes[0].eng.Put(1, 1<<40, 8, 0))
	require.NoError(t, nodes[0].eng.Get(8, 1, 1<<40, 0))
	require.NoError(t, nodes[0].eng.PutNBI(1, 1<<40, 8, 0))
	require.NoError(t, nodes[0].eng.GetNBI(8, 1, 1<<40, 0))
	require.NoError(t, nodes[0].eng.Quiet())
}

// TestChunkSizeChanges: later transfers use the new piece size, and a
// one-byte chunk (every byte its own frame) still moves the data exactly.
func TestChunkSizeChanges(t *testing.T) {
	nodes := cluster(t, 2, 1<<20, nil)
	e := nodes[0].eng
	require.Equal(t, DefaultChunkSize, e.ChunkSize())
	requireCode(t, e.SetChunkSize(0), errcode.InvalidValue, "chunk size must be positive")
	for _, chunk := range []uintptr{1, 1000, 1 << 40} {
		require.NoError(t, e.SetChunkSize(chunk))
		require.Equal(t, chunk, e.ChunkSize())
		src := localBytes(t, 5000, uint64(chunk))
		require.NoError(t, e.Put(1, 100, addrOf(src), 5000))
		require.Equal(t, src, nodes[1].at(100, 5000))
		dst := mmapBytes(t, 5000)
		require.NoError(t, e.Get(addrOf(dst), 1, 100, 5000))
		require.Equal(t, src, dst)
	}
}

func TestUnknownAndUnconnectedPEs(t *testing.T) {
	nodes := cluster(t, 3, 4096, nil)
	e := nodes[0].eng
	buf := mmapBytes(t, 64)
	for _, pe := range []int{-1, 3} {
		requireCode(t, e.Put(pe, 0, addrOf(buf), 8), errcode.InvalidParam, fmt.Sprintf("PE %d does not exist (3 PEs)", pe))
		requireCode(t, e.Get(addrOf(buf), pe, 0, 8), errcode.InvalidParam, "does not exist")
		_, err := e.Atomic(pe, AtomicAdd, 4, 0, 1, 0)
		requireCode(t, err, errcode.InvalidParam, "does not exist")
		requireCode(t, e.Signal(pe, 0, 0, 1, false), errcode.InvalidParam, "does not exist")
	}
	// PE 0 did not connect to itself.
	requireCode(t, e.Put(0, 0, addrOf(buf), 8), errcode.NotSupported, "PE 0 is not reached through the network engine")

	// Before Connect nothing is reachable.
	lone := newNode(t, 0, 2, 4096, nil)
	requireCode(t, lone.eng.Put(1, 0, addrOf(buf), 8), errcode.NotSupported, "PE 1 is not reached")
}

// TestSelfConnection: with ROCE a PE may reach its own heap over the network.
func TestSelfConnection(t *testing.T) {
	n := newNode(t, 0, 1, 4096, nil)
	require.NoError(t, n.eng.Connect([]string{n.eng.Addr()}, []bool{true}))
	src := localBytes(t, 100, 1)
	require.NoError(t, n.eng.Put(0, 8, addrOf(src), 100))
	require.Equal(t, src, n.at(8, 100))
}

package netengine

import (
	"fmt"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/stretchr/testify/require"
)

// Several connections per peer: large blocking transfers are split over all
// of them, and the data is exact whatever the split.
func TestLanesSplitLargeTransfers(t *testing.T) {
	for _, lanes := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprint(lanes), func(t *testing.T) {
			nodes := cluster(t, 2, rmaHeap, func(c *Config) { c.ChunkSize = 64 << 10; c.Lanes = lanes })
			a, b := nodes[0], nodes[1]
			if got := len((*a.eng.lanes.Load())[1]); got != lanes {
				t.Fatalf("%d connections to the peer, want %d", got, lanes)
			}
			for i, n := range []uintptr{100, 64 << 10, 128 << 10, 3<<20 + 5, 5 << 20} {
				off := uintptr(i*7 + 64)
				src := localBytes(t, int(n), uint64(i))
				require.NoError(t, a.eng.Put(1, off, addrOf(src), n))
				require.Equal(t, src, b.at(off, n), "put of %d bytes", n)
				dst := mmapBytes(t, n)
				require.NoError(t, a.eng.Get(addrOf(dst), 1, off, n))
				require.Equal(t, src, dst, "get of %d bytes", n)
			}
		})
	}
}

// The signal of a put split over lanes comes after all of its data, and a
// failed piece keeps the signal from being applied.
func TestLanesSignalAfterAllPieces(t *testing.T) {
	nodes := cluster(t, 2, rmaHeap, func(c *Config) { c.ChunkSize = 64 << 10; c.Lanes = 4 })
	a, b := nodes[0], nodes[1]
	n := uintptr(4 << 20)
	src := localBytes(t, int(n), 9)
	require.NoError(t, a.eng.PutSignal(1, 4096, addrOf(src), n, transport.Signal{Op: signal.SigSet, Value: 5}, false))
	require.Equal(t, int32(5), signal.Fetch32(b.word32(0)))
	require.Equal(t, src, b.at(4096, n))

	require.Error(t, a.eng.PutSignal(1, rmaHeap-n/2, addrOf(src), n, transport.Signal{Op: signal.SigSet, Value: 6}, false))
	require.Equal(t, int32(5), signal.Fetch32(b.word32(0)), "a failed put must not signal")
}

func TestLanesConfigBounds(t *testing.T) {
	_, err := Config{Size: 1, HeapBase: 1 << 20, HeapSize: 4096, WakeBlock: 1 << 20, Secret: make([]byte, 64),
		Lanes: MaxLanes + 1}.withDefaults()
	require.Error(t, err)
}

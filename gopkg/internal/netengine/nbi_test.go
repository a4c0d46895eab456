package netengine

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNBIPutsAndGetsCompleteAtQuiet: many NBI transfers of mixed sizes to
// two peers from several goroutines; after Quiet every byte is in place.
func TestNBIPutsAndGetsCompleteAtQuiet(t *testing.T) {
	nodes := cluster(t, 3, 4<<20, func(c *Config) { c.ChunkSize = 64 << 10 })
	e := nodes[0].eng
	sizes := []uintptr{8, 1000, 20000, 300000}
	const rounds = 8
	srcs := make([][]byte, len(sizes)*rounds)
	offs := make([]uintptr, len(srcs))
	off := uintptr(0)
	for i := range srcs {
		n := sizes[i%len(sizes)]
		srcs[i] = localBytes(t, int(n), uint64(i))
		offs[i] = off
		off += n + 13
	}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			for i := g; i < len(srcs); i += 2 {
				pe := 1 + i%2
				if err := e.PutNBI(pe, offs[i], addrOf(srcs[i]), uintptr(len(srcs[i]))); err != nil {
					panic(err)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, e.Quiet())
	for i, src := range srcs {
		require.Equal(t, src, nodes[1+i%2].at(offs[i], uintptr(len(src))), "transfer %d", i)
	}

	// Read everything back with NBI gets.
	dsts := make([][]byte, len(srcs))
	for i, src := range srcs {
		dsts[i] = mmapBytes(t, uintptr(len(src)))
		require.NoError(t, e.GetNBI(addrOf(dsts[i]), 1+i%2, offs[i], uintptr(len(src))))
	}
	require.NoError(t, e.Quiet())
	for i := range srcs {
		require.Equal(t, srcs[i], dsts[i], "get %d", i)
	}
}

// TestNBIReturnsBeforeTheData: an NBI put of 32 MiB returns long before the
// data is there, and Quiet is what completes it.
func TestNBIReturnsBeforeTheData(t *testing.T) {
	const n = 32 << 20
	nodes := cluster(t, 2, n, nil)
	src := localBytes(t, n, 3)
	require.NoError(t, nodes[0].eng.PutNBI(1, 0, addrOf(src), n))
	require.NotEqual(t, src[n-4096:], nodes[1].at(n-4096, 4096), "the last chunk arrived before PutNBI returned")
	require.NoError(t, nodes[0].eng.Quiet())
	require.Equal(t, src, nodes[1].heap)
}

// TestQuietWithNothingOutstanding: Quiet and Fence cost no allocation and no
// round trip when no NBI operation is outstanding, and nor does a small
// blocking put allocate.
func TestQuietWithNothingOutstanding(t *testing.T) {
	// With an operation timeout, as jobs run: its timer must not allocate either.
	nodes := cluster(t, 3, 4096, func(c *Config) { c.OpTimeout = time.Minute })
	e := nodes[0].eng
	src := localBytes(t, 8, 1)
	require.NoError(t, e.Put(1, 0, addrOf(src), 8))
	allocs := testing.AllocsPerRun(200, func() {
		if e.Quiet() != nil || e.Fence() != nil {
			panic("quiet failed")
		}
	})
	require.Zero(t, allocs)
	// The server, reader and caller all run here; a put of 8 bytes may cost
	// at most the odd allocation of a goroutine stack or timer.
	allocs = testing.AllocsPerRun(200, func() {
		if e.Put(1, 0, addrOf(src), 8) != nil {
			panic("put failed")
		}
	})
	require.Less(t, allocs, 1.0)
}

// TestQueueBackpressure: more NBI operations than the queue holds wait for
// room instead of failing or growing without bound.
func TestQueueBackpressure(t *testing.T) {
	nodes := cluster(t, 2, 1<<20, nil)
	src := localBytes(t, 8, 1)
	for i := range 3 * maxQueuedOps {
		require.NoError(t, nodes[0].eng.PutNBI(1, uintptr(i%1000)*8, addrOf(src), 8))
	}
	require.NoError(t, nodes[0].eng.Quiet())
	require.Equal(t, src, nodes[1].at(999*8, 8))
	p, err := nodes[0].eng.peer(1)
	require.NoError(t, err)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.LessOrEqual(t, len(p.queue.buf), 2*maxQueuedOps)
}

// TestBlockingWriterHandsOff: a blocking caller that writes the queue
// itself stops after its own item and leaves the rest, still marked as
// being written, to the sender goroutine: others' NBI traffic cannot keep
// it from returning.
func TestBlockingWriterHandsOff(t *testing.T) {
	local, remote := net.Pipe()
	defer local.Close()
	defer remote.Close()
	go func() { _, _ = io.Copy(io.Discard, remote) }()
	p := newPeer(&Engine{}, 1, local, local)
	src := localBytes(t, 8, 1)
	for id := uint64(1); id <= 10; id++ {
		p.queue.push(item{op: opPut, id: id, n: 8, local: addrOf(src), chunk: 8})
	}
	p.flushing = true
	p.drain(4)
	require.Equal(t, 6, p.queue.len(), "items after the caller's own are left")
	require.True(t, p.flushing, "and still owned by a writer")
	require.Len(t, p.kick, 1, "the sender goroutine was told to take over")
	require.Zero(t, p.bw.Buffered(), "the caller's own item is on the wire")

	// The sender goroutine writes the rest and gives the role up.
	<-p.kick
	p.drain(0)
	require.Zero(t, p.queue.len())
	require.False(t, p.flushing)
	require.Empty(t, p.kick)
}

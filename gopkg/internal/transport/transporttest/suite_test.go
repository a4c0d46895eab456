package transporttest_test

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/pyshmem/shmem/gopkg/internal/transport/transporttest"
	"github.com/stretchr/testify/require"
)

func directFixture(t *testing.T) transporttest.Fixture {
	const heap, chunk = 1 << 20, 64 << 10
	h := transporttest.Map(t, heap)
	wakes := transporttest.Map(t, 64)
	live := liveness.New(2)
	table, err := transport.NewTable(transport.TableConfig{Bases: []uintptr{0, transporttest.Addr(h)},
		Wakes: []uintptr{0, transporttest.Addr(wakes)}, HeapSize: heap, Live: live})
	require.NoError(t, err)
	tr, err := engine.NewDirect(engine.Config{Table: table, ChunkSize: chunk})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return transporttest.Fixture{T: tr, PE: 1, NPEs: 2, Heap: h, Chunk: chunk, Kill: func() { live.MarkDead(1) }}
}

// The suite passes a correct engine whose PE 0 is reached by no engine at
// all (a table with a network PE and no router): the suite only ever
// addresses its fixture's PE.
func TestSuitePassesACorrectTransport(t *testing.T) {
	transporttest.Run(t, directFixture)
}

// Map and Addr give memory outside Go's heap that engines can address.
func TestMapAndAddr(t *testing.T) {
	f := directFixture(t)
	b := transporttest.Map(t, 4096)
	b[0] = 7
	require.NoError(t, f.T.Put(1, 0, transporttest.Addr(b), 1))
	require.Equal(t, byte(7), f.Heap[0])
	// PE 0 is not mapped and the job has no network engine: NotSupported.
	err := f.T.Put(0, 0, transporttest.Addr(b), 1)
	require.Equal(t, errcode.NotSupported, errcode.CodeOf(err))
	_, err = f.T.Atomic(0, signal.AmoFetch, 8, 0, 0, 0)
	require.Equal(t, errcode.NotSupported, errcode.CodeOf(err))
}

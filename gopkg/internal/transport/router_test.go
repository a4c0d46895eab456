package transport_test

import (
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/pyshmem/shmem/gopkg/internal/transport/transporttest"
	"github.com/stretchr/testify/require"
)

var secret = []byte("0123456789abcdef-router-test-secret")

// job3 is PE 0 of a job of three as the job layer builds it: PE 1's heap
// mapped here (the direct engine reaches it), PE 2 on "another host" (its own
// network engine, over loopback), one table and one router.
type job3 struct {
	router transport.Transport
	heaps  [3][]byte
	live   *liveness.Set
}

func newJob3(t *testing.T, chunk uintptr) *job3 {
	const heap = 1 << 20
	j := &job3{live: liveness.New(3)}
	for pe := range j.heaps {
		j.heaps[pe] = transporttest.Map(t, heap)
	}
	wakes := transporttest.Map(t, 4096)
	table, err := transport.NewTable(transport.TableConfig{
		Bases:    []uintptr{transporttest.Addr(j.heaps[0]), transporttest.Addr(j.heaps[1]), 0},
		Wakes:    []uintptr{transporttest.Addr(wakes), transporttest.Addr(wakes) + 64, 0},
		HeapSize: heap, Live: j.live,
	})
	require.NoError(t, err)
	local, err := engine.NewDirect(engine.Config{Table: table, ChunkSize: chunk, TrustHeaps: true})
	require.NoError(t, err)

	listen := func(rank int, base uintptr) *netengine.Engine {
		wake := transporttest.Map(t, 4096)
		e, err := netengine.Listen(netengine.Config{Rank: rank, Size: 3, HeapBase: base, HeapSize: heap,
			WakeBlock: transporttest.Addr(wake), Secret: secret, ListenHost: "127.0.0.1", ChunkSize: chunk,
			DialTimeout: 10 * time.Second})
		require.NoError(t, err)
		t.Cleanup(func() { _ = e.Close() })
		return e
	}
	net0 := listen(0, transporttest.Addr(j.heaps[0]))
	net2 := listen(2, transporttest.Addr(j.heaps[2]))
	addrs := []string{net0.Addr(), "", net2.Addr()}
	require.NoError(t, net0.Connect(addrs, table.RemotePEs()))
	require.NoError(t, net2.Connect(addrs, []bool{true, false, false}))
	j.router = transport.NewRouter(table, local, net0)
	t.Cleanup(func() { _ = j.router.Close() })
	return j
}

// The router passes the conformance suite on both of its paths: to a mapped
// PE (the same-host engine) and to a remote one (the network engine), dead
// PEs included: the table's liveness is asked on both.
func TestRouterConformance(t *testing.T) {
	const chunk = 64 << 10
	for _, pe := range []int{1, 2} {
		name := map[int]string{1: "mapped", 2: "network"}[pe]
		t.Run(name, func(t *testing.T) {
			transporttest.Run(t, func(t *testing.T) transporttest.Fixture {
				j := newJob3(t, chunk)
				return transporttest.Fixture{T: j.router, PE: pe, NPEs: 3, Heap: j.heaps[pe], Chunk: chunk,
					Kill: func() { j.live.MarkDead(pe) }}
			})
		})
	}
}

// A job on one host gets its local engine itself: no router, no extra hop.
func TestNewRouterWithoutNetworkIsTheLocalEngine(t *testing.T) {
	heap := transporttest.Map(t, 1<<16)
	local, err := engine.NewDirect(engine.Config{Bases: []uintptr{transporttest.Addr(heap)}, HeapSize: 1 << 16})
	require.NoError(t, err)
	defer local.Close()
	table, err := transport.NewTable(transport.TableConfig{Bases: []uintptr{transporttest.Addr(heap)}, HeapSize: 1 << 16})
	require.NoError(t, err)
	require.Equal(t, local, transport.NewRouter(table, local, nil))
}

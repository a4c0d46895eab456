package engine

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/pyshmem/shmem/gopkg/internal/transport/transporttest"
	"github.com/stretchr/testify/require"
)

// Both same-host engines pass the transport conformance suite, on a table
// built as the job builds it (every PE mapped, a liveness set, wake blocks).
func TestConformance(t *testing.T) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			transporttest.Run(t, func(t *testing.T) transporttest.Fixture {
				const heap, chunk = 1 << 20, 64 << 10
				heaps := [][]byte{transporttest.Map(t, heap), transporttest.Map(t, heap)}
				wakes := transporttest.Map(t, 4096)
				live := liveness.New(2)
				table, err := transport.NewTable(transport.TableConfig{
					Bases:    []uintptr{transporttest.Addr(heaps[0]), transporttest.Addr(heaps[1])},
					Wakes:    []uintptr{transporttest.Addr(wakes), transporttest.Addr(wakes) + 64},
					HeapSize: heap, Live: live,
				})
				require.NoError(t, err)
				tr, err := kind.open(Config{Table: table, ChunkSize: chunk, TrustHeaps: true})
				require.NoError(t, err)
				t.Cleanup(func() { _ = tr.Close() })
				return transporttest.Fixture{T: tr, PE: 1, NPEs: 2, Heap: heaps[1], Chunk: chunk,
					Kill: func() { live.MarkDead(1) }}
			})
		})
	}
}

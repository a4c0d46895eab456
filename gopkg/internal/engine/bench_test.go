package engine

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// TestSmallCopiesDoNotAllocate: the 8-byte hot path allocates nothing, on the
// direct engine and on the copy engine's inline path.
func TestSmallCopiesDoNotAllocate(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<16)
	local := addrOf(mmapBytes(t, 64))
	for _, kind := range engineKinds {
		tr := openEngine(t, kind, h.config())
		allocs := testing.AllocsPerRun(1000, func() {
			if tr.Put(1, 8, local, 8) != nil || tr.Get(local+8, 1, 8, 8) != nil ||
				tr.PutNBI(1, 16, local, 8) != nil || tr.GetNBI(local, 1, 16, 8) != nil || tr.Quiet() != nil {
				panic("copy failed")
			}
		})
		require.Zero(t, allocs, kind.name)
	}
}

func benchPut(b *testing.B, kind engineKind, n uintptr) {
	h := mmapHeaps(b, 2, n)
	src := mmapBytes(b, n)
	tr := openEngine(b, kind, h.config())
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Put(1, 0, addrOf(src), n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPut(b *testing.B) {
	for _, kind := range engineKinds {
		for _, size := range []struct {
			name string
			n    uintptr
		}{{"8B", 8}, {"1MiB", 1 << 20}, {"16MiB", 16 << 20}} {
			b.Run(kind.name+"/"+size.name, func(b *testing.B) { benchPut(b, kind, size.n) })
		}
	}
}

func BenchmarkGet8B(b *testing.B) {
	for _, kind := range engineKinds {
		b.Run(kind.name, func(b *testing.B) {
			h := mmapHeaps(b, 2, 64)
			dst := addrOf(mmapBytes(b, 64))
			tr := openEngine(b, kind, h.config())
			for b.Loop() {
				if err := tr.Get(dst, 1, 0, 8); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutParallel8B: many goroutines on one direct engine; the gate's
// shared counter is the only shared write.
func BenchmarkPutParallel8B(b *testing.B) {
	h := mmapHeaps(b, 2, 1<<16)
	tr := openEngine(b, engineKinds[0], h.config())
	b.RunParallel(func(pb *testing.PB) {
		src := addrOf(mmapBytes(b, 64))
		for pb.Next() {
			if err := tr.Put(1, 0, src, 8); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAtomicFetchAdd8: what an atomic costs through the transport
// (interface call, close gate, checks, the table's address) beside the bare
// atomic instruction and wake check it ends in, which is what the job called
// before atomics went through the transport.
func BenchmarkAtomicFetchAdd8(b *testing.B) {
	h := mmapHeaps(b, 2, 64)
	cfg := h.config()
	cfg.Wakes = []uintptr{0, addrOf(mmapBytes(b, 64))}
	for _, kind := range engineKinds {
		b.Run(kind.name, func(b *testing.B) {
			tr := openEngine(b, kind, cfg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Atomic(1, signal.AmoFetchAdd, 8, 8, 1, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			if _, err := signal.Apply64(signal.AmoFetchAdd, h.bases[1]+8, cfg.Wakes[1], 1, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// An atomic through the transport allocates nothing.
func TestAtomicsDoNotAllocate(t *testing.T) {
	h := mmapHeaps(t, 2, 64)
	cfg := h.config()
	cfg.Wakes = []uintptr{0, addrOf(mmapBytes(t, 64))}
	for _, kind := range engineKinds {
		tr := openEngine(t, kind, cfg)
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := tr.Atomic(1, signal.AmoFetchAdd, 8, 8, 1, 0); err != nil {
				panic(err)
			}
		})
		require.Zero(t, allocs, kind.name)
	}
}

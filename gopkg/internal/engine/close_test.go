package engine

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

func TestCallsAfterCloseFail(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<16)
	src := addrOf(mmapBytes(t, 1<<16))
	for _, kind := range engineKinds {
		tr, err := kind.open(h.config())
		require.NoError(t, err)
		require.NoError(t, tr.Close())
		require.NoError(t, tr.Close(), "Close is idempotent")
		for _, call := range dataCalls {
			requireCode(t, call.call(tr, 1, 0, src, 8), errcode.NotInited, "closed")
			requireCode(t, call.call(tr, 1, 0, src, 0), errcode.NotInited, "closed")
		}
		requireCode(t, tr.Quiet(), errcode.NotInited, "closed")
		requireCode(t, tr.Fence(), errcode.NotInited, "closed")
		requireCode(t, tr.SetChunkSize(1), errcode.NotInited, "closed")
	}
}

// TestCloseWaitsForNBI: Close completes outstanding transfers first.
func TestCloseWaitsForNBI(t *testing.T) {
	const size = 32 << 20
	h := mmapHeaps(t, 2, size)
	src := mmapBytes(t, size)
	copy(src, randomBytes(size, 7))
	tr, err := NewCopyEngine(h.config())
	require.NoError(t, err)
	require.NoError(t, tr.PutNBI(1, 0, addrOf(src), size))
	require.NoError(t, tr.Close())
	require.True(t, bytes.Equal(src, h.mem[1]))
}

// TestCloseReleasesWorkers: no goroutine survives Close.
func TestCloseReleasesWorkers(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<20)
	before := runtime.NumGoroutine()
	var engines []Transport
	for range 5 {
		tr, err := NewCopyEngine(Config{Bases: h.bases, HeapSize: h.size, Workers: 4})
		require.NoError(t, err)
		engines = append(engines, tr)
	}
	require.Equal(t, before+20, runtime.NumGoroutine())
	for _, tr := range engines {
		require.NoError(t, tr.Close())
	}
	// Polled by hand: require.Eventually would add a goroutine of its own.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, before, runtime.NumGoroutine())
}

// TestCloseWhileBusy: callers racing Close either finish or get NotInited;
// Close returns only when none is copying any more.
func TestCloseWhileBusy(t *testing.T) {
	const slot = 256 << 10
	h := mmapHeaps(t, 2, 8*slot)
	src := mmapBytes(t, slot)
	for _, kind := range engineKinds {
		tr, err := kind.open(Config{Bases: h.bases, HeapSize: h.size, ChunkSize: 16 << 10})
		require.NoError(t, err)
		var wg sync.WaitGroup
		var copying sync.WaitGroup
		copying.Add(8)
		for g := range 8 {
			wg.Go(func() {
				first := true
				for {
					// Quiet keeps each goroutine's outstanding work bounded.
					err := tr.PutNBI(1, uintptr(g)*slot, addrOf(src), slot)
					if err == nil {
						err = tr.Quiet()
					}
					if first {
						copying.Done()
						first = false
					}
					if err != nil {
						requireCode(t, err, errcode.NotInited, "closed")
						return
					}
				}
			})
		}
		copying.Wait()
		require.NoError(t, tr.Close())
		wg.Wait()
	}
}

package engine

import (
	"bytes"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// Once a PE is known dead, every call to it fails with BootstrapError and
// leaves its heap as it was, whatever the size (inline or split over the copy
// engine's workers); calls to the living go on working.
func TestCallsToADeadPEFail(t *testing.T) {
	const size = 4 << 20
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			h := mmapHeaps(t, 3, size)
			cfg := h.config()
			cfg.ChunkSize = 64 << 10
			cfg.Live = liveness.New(3)
			tr := openEngine(t, kind, cfg)
			src := mmapBytes(t, size)
			copy(src, randomBytes(size, 3))
			local := mmapBytes(t, size)
			copy(h.mem[1], randomBytes(size, 4))
			before := bytes.Clone(h.mem[1])
			require.True(t, cfg.Live.MarkDead(1))

			for _, n := range []uintptr{8, InlineLimit + 1, 2 << 20} {
				for _, c := range dataCalls {
					requireCode(t, callAndQuiet(tr, c, 1, 0, addrOf(src), n), errcode.BootstrapError, "PE 1")
					requireCode(t, callAndQuiet(tr, c, 1, 0, addrOf(local), n), errcode.BootstrapError, "PE 1")
					require.NoError(t, callAndQuiet(tr, c, 2, 0, addrOf(src), n), "%s to a living PE", c.name)
				}
				for _, nbi := range []bool{false, true} {
					sig := Signal{Off: size - 64, Op: signal.SigSet, Value: 5}
					err := tr.PutSignal(1, 0, addrOf(src), n, sig, nbi)
					if err == nil {
						err = tr.Quiet()
					}
					requireCode(t, err, errcode.BootstrapError, "PE 1")
					// A signal alone (no data) is refused as well.
					requireCode(t, tr.PutSignal(1, 0, 0, 0, sig, nbi), errcode.BootstrapError, "PE 1")
				}
			}
			require.Equal(t, before, h.mem[1], "a dead PE's heap was written")
			require.NoError(t, tr.Quiet(), "every failure was reported once")
		})
	}
}

// An NBI transfer queued while its target was alive and not yet copied when
// the target died fails, and Quiet reports it; its signal is not applied.
func TestNBIQueuedBeforeDeathFailsAtQuiet(t *testing.T) {
	const size = 4 << 20
	h := mmapHeaps(t, 2, size)
	cfg := h.config()
	cfg.ChunkSize = 64 << 10
	cfg.Live = liveness.New(2)
	e, err := newCopyEngine(cfg)
	require.NoError(t, err)
	started := false
	defer func() {
		if !started {
			e.start() // Close waits for queued transfers: someone must run them
		}
		_ = e.Close()
	}()
	src := mmapBytes(t, size)
	copy(src, randomBytes(size, 9))
	sig := Signal{Off: size - 64, Op: signal.SigSet, Value: 7}

	// No worker runs yet: both transfers wait in the queue.
	require.NoError(t, e.PutNBI(1, 0, addrOf(src), 1<<20))
	require.NoError(t, e.PutSignal(1, 2<<20, addrOf(src), 1<<20, sig, true))
	cfg.Live.MarkDead(1)
	e.start()
	started = true

	requireCode(t, e.Quiet(), errcode.BootstrapError, "PE 1")
	require.NoError(t, e.Quiet(), "the failure is reported once")
	require.Equal(t, make([]byte, size), h.mem[1], "a transfer copied into a dead PE's heap")
	require.EqualValues(t, 0, atomic.LoadInt32((*int32)(unsafe.Pointer(&h.mem[1][size-64]))))
}

// The check costs no allocation on the hot path.
func TestLivenessCheckDoesNotAllocate(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<20)
	cfg := h.config()
	cfg.Live = liveness.New(2)
	for _, kind := range engineKinds {
		tr := openEngine(t, kind, cfg)
		src := h.bases[0]
		allocs := testing.AllocsPerRun(100, func() { _ = tr.Put(1, 0, src, 8) })
		require.Zero(t, allocs, kind.name)
	}
}

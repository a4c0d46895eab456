package engine

import (
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// A put wakes the target PE's sleepers once its last byte is in place, for
// inline copies and for transfers split over the copy engine's workers,
// blocking and NBI; a put with nobody asleep makes no system call.
func TestPutWakesTheTargetsSleepers(t *testing.T) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			h := mmapHeaps(t, 2, 8<<20)
			wakes := [2]uintptr{addrOf(mmapBytes(t, 4096)), addrOf(mmapBytes(t, 4096))}
			cfg := h.config()
			cfg.ChunkSize = 64 << 10
			cfg.Wakes = wakes[:]
			tr, err := kind.open(cfg)
			require.NoError(t, err)
			defer tr.Close()
			lastWord := h.at(1, 4<<20-4, 4) // holds the last byte of every put below
			for _, nbi := range []bool{false, true} {
				for _, n := range []uintptr{8, 3<<20 + 5} {
					off := 4<<20 - n
					h.mem[1][4<<20-1] = 0
					src := mmapBytes(t, n)
					src[n-1] = 1

					before := signal.WakeCount()
					require.NoError(t, tr.Put(0, 0, addrOf(src), n), "a put nobody waits for")
					assert.Equal(t, before, signal.WakeCount(), "a put with nobody asleep made a futex wake")

					done := make(chan error, 1)
					go func() {
						done <- signal.Wait(wakes[1], func() bool {
							return atomic.LoadUint32((*uint32)(unsafe.Pointer(&lastWord[0]))) != 0
						}, 20*time.Second, nil)
					}()
					require.Eventually(t, func() bool { return signal.Fetch32(wakes[1]) == 1 }, 10*time.Second,
						time.Millisecond, "the waiter never slept")
					before = signal.WakeCount()
					if nbi {
						require.NoError(t, tr.PutNBI(1, off, addrOf(src), n))
						require.NoError(t, tr.Quiet())
					} else {
						require.NoError(t, tr.Put(1, off, addrOf(src), n))
					}
					require.NoError(t, <-done)
					assert.Greater(t, signal.WakeCount(), before, "the put woke nobody (n=%d, nbi=%v)", n, nbi)
				}
			}
		})
	}
}

package engine

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// A signal follows its data: a reader that sees the signal sees every byte,
// for transfers copied inline and ones split over the copy engine's workers.
func TestPutSignalAppliesTheSignalAfterTheData(t *testing.T) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			h := mmapHeaps(t, 2, 8<<20)
			wake := mmapBytes(t, 4096)
			cfg := h.config()
			cfg.ChunkSize = 64 << 10
			cfg.Wakes = []uintptr{0, addrOf(wake)}
			tr, err := kind.open(cfg)
			require.NoError(t, err)
			defer tr.Close()
			word := h.bases[1] + 4<<20
			for _, n := range []uintptr{0, 8, 4097, 3<<20 + 5} {
				src := mmapBytes(t, max(n, 1))
				for i := range src {
					src[i] = byte(i*7 + int(n))
				}
				atomic.StoreInt32((*int32)(unsafe.Pointer(&h.mem[1][4<<20])), 0)
				sig := Signal{Off: 4 << 20, Op: signal.SigAdd, Value: 3}
				require.NoError(t, tr.PutSignal(1, 0, addrOf(src), n, sig, true))
				got, err := signal.WaitUntil32(word, addrOf(wake), signal.CmpEQ, 3, 0, nil)
				require.NoError(t, err)
				require.EqualValues(t, 3, got)
				require.Equal(t, src[:n], h.at(1, 0, n), "data of %d bytes seen before its signal", n)
				require.NoError(t, tr.Quiet())
			}
		})
	}
}

// A put that fails does not signal: the signal would announce missing data.
func TestPutSignalDoesNotSignalAFailedPut(t *testing.T) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			h := mmapHeaps(t, 2, 1<<20)
			wake := mmapBytes(t, 4096)
			cfg := h.config()
			cfg.Wakes = []uintptr{0, addrOf(wake)}
			tr, err := kind.open(cfg)
			require.NoError(t, err)
			defer tr.Close()
			word := h.bases[1] + 512<<10
			sig := Signal{Off: 512 << 10, Op: signal.SigSet, Value: 9}
			err = tr.PutSignal(1, 0, 8, 64<<10, sig, false) // source address 8 is not readable
			require.Error(t, err)
			require.EqualValues(t, 0, signal.Fetch32(word))
			allocs := testing.AllocsPerRun(100, func() {
				src := h.bases[0]
				_ = tr.PutSignal(1, 0, src, 8, Signal{Off: 512 << 10, Op: signal.SigAdd, Value: 1}, false)
			})
			if kind.name == "direct" {
				require.Zero(t, allocs, "an 8-byte put-with-signal must not allocate")
			}
		})
	}
}

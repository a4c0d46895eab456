package netengine

import (
	"math"
	"sync"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

const (
	word32Off = 64
	word64Off = 128
	lockOff   = 192
	countOff  = 256
)

// TestAtomicsFromManyEnginesSumExactly: fetch-adds and adds from three
// engines, several goroutines each, on one target word: exact totals, and
// every fetch-add saw a distinct previous value.
func TestAtomicsFromManyEnginesSumExactly(t *testing.T) {
	nodes := cluster(t, 4, 4096, nil)
	const perGoroutine = 150
	for _, width := range []int{4, 8} {
		off := uintptr(word32Off)
		if width == 8 {
			off = word64Off
		}
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for _, n := range nodes[1:] {
			for g := range 2 {
				wg.Go(func() {
					for i := range perGoroutine {
						if g == 0 {
							old, err := n.eng.Atomic(0, AtomicFetchAdd, width, off, 1, 0)
							if err != nil {
								panic(err)
							}
							mu.Lock()
							if seen[old] {
								panic("two fetch-adds saw the same value")
							}
							seen[old] = true
							mu.Unlock()
						} else if _, err := n.eng.Atomic(0, AtomicAdd, width, off, int64(i%3), 0); err != nil {
							panic(err)
						}
					}
				})
			}
		}
		wg.Wait()
		want := int64(3 * (perGoroutine + (0+1+2)*perGoroutine/3))
		got, err := nodes[1].eng.Atomic(0, AtomicFetch, width, off, 0, 0)
		require.NoError(t, err)
		require.Equal(t, want, got, "width %d", width)
		require.Len(t, seen, 3*perGoroutine)
	}
}

// TestCompareSwapLock: engines take a spin lock on the target with
// compare-swap, bump an unprotected counter with fetch/set under it and
// release it with swap. Any CAS that succeeded wrongly loses increments.
func TestCompareSwapLock(t *testing.T) {
	nodes := cluster(t, 3, 4096, nil)
	const perEngine = 40
	var wg sync.WaitGroup
	for rank, n := range nodes[1:] {
		me := int64(rank + 1)
		wg.Go(func() {
			for range perEngine {
				for {
					old, err := n.eng.Atomic(0, AtomicCompareSwap, 8, lockOff, me, 0)
					if err != nil {
						panic(err)
					}
					if old == 0 {
						break
					}
				}
				v, err := n.eng.Atomic(0, AtomicFetch, 4, countOff, 0, 0)
				if err == nil {
					_, err = n.eng.Atomic(0, AtomicSet, 4, countOff, v+1, 0)
				}
				if err != nil {
					panic(err)
				}
				if old, err := n.eng.Atomic(0, AtomicSwap, 8, lockOff, 0, 0); err != nil || old != me {
					panic("lock was not held by its owner")
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(2*perEngine), signal.Fetch32(nodes[0].word32(countOff)))
}

func TestAtomicSemantics(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	e := nodes[0].eng
	do := func(op, width int, operand, cond int64) int64 {
		old, err := e.Atomic(1, op, width, 0, operand, cond)
		require.NoError(t, err)
		return old
	}
	for _, width := range []int{4, 8} {
		do(AtomicSet, width, -5, 0)
		require.Equal(t, int64(-5), do(AtomicFetch, width, 0, 0), "sign-extended")
		require.Equal(t, int64(-5), do(AtomicSwap, width, 7, 0))
		require.Equal(t, int64(7), do(AtomicCompareSwap, width, 9, 8), "failed compare-swap returns the value")
		require.Equal(t, int64(7), do(AtomicFetch, width, 0, 0), "and does not store")
		require.Equal(t, int64(7), do(AtomicCompareSwap, width, 9, 7))
		require.Equal(t, int64(9), do(AtomicFetchAdd, width, -10, 0))
		require.Equal(t, int64(-1), do(AtomicFetch, width, 0, 0))
		do(AtomicSet, width, 0, 0)
	}
	// Unsigned 32-bit operands are accepted and wrap like the word does.
	require.Equal(t, int64(0), do(AtomicSwap, 4, math.MaxUint32, 0))
	require.Equal(t, int64(-1), do(AtomicFetch, 4, 0, 0))
	// The 64-bit word really is 64 bits wide.
	do(AtomicSet, 8, 1<<40, 0)
	require.Equal(t, int64(1<<40+1), do(AtomicFetchAdd, 8, 1, 0)+1)
}

func TestAtomicArgumentsChecked(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	e := nodes[0].eng
	check := func(code int, text string, op, width int, off uintptr, operand, cond int64) {
		t.Helper()
		_, err := e.Atomic(1, op, width, off, operand, cond)
		requireCode(t, err, code, text)
	}
	check(errcode.InvalidParam, "atomic operation 6 of width 4", 6, 4, 0, 0, 0)
	check(errcode.InvalidParam, "atomic operation -1", -1, 4, 0, 0, 0)
	check(errcode.InvalidParam, "width 2", AtomicAdd, 2, 0, 0, 0)
	check(errcode.InvalidParam, "not 8-byte aligned", AtomicAdd, 8, 4, 0, 0)
	check(errcode.InvalidParam, "outside PE 1's symmetric heap", AtomicAdd, 4, 4096, 0, 0)
	check(errcode.InvalidParam, "outside", AtomicAdd, 8, ^uintptr(7), 0, 0)
	check(errcode.InvalidValue, "does not fit a 32-bit word", AtomicSet, 4, 0, math.MaxUint32+1, 0)
	check(errcode.InvalidValue, "does not fit a 32-bit word", AtomicCompareSwap, 4, 0, 0, math.MinInt32-1)
}

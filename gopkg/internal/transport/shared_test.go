package transport

import (
	"errors"
	"sync"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first of many concurrent NBI failures is kept, once.
func TestFirstErrorKeepsTheFirstUntilTaken(t *testing.T) {
	var f FirstError
	require.NoError(t, f.Take())
	f.Record(nil)
	require.NoError(t, f.Take(), "nil is no failure")
	first := errors.New("first")
	f.Record(first)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { f.Record(errors.New("later")) })
	}
	wg.Wait()
	assert.Same(t, first, f.Take())
	assert.NoError(t, f.Take(), "taken once")
}

func TestChunkSizeDefaultsAndRefusesZero(t *testing.T) {
	var c ChunkSize
	assert.Equal(t, DefaultChunkSize, c.Load(), "the zero value reads as the default")
	c.Init(0)
	assert.Equal(t, DefaultChunkSize, c.Load())
	c.Init(4096)
	assert.Equal(t, uintptr(4096), c.Load())
	requireCode(t, c.Set(0), errcode.InvalidValue, "positive")
	assert.Equal(t, uintptr(4096), c.Load())
	require.NoError(t, c.Set(7))
	assert.Equal(t, uintptr(7), c.Load())
}

func TestCloseOnceRunsTheBodyOnce(t *testing.T) {
	var c CloseOnce
	runs := 0
	fail := errors.New("lost")
	body := func() error { runs++; return fail }
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = c.Do(body) })
	}
	wg.Wait()
	assert.Equal(t, 1, runs)
	reported := 0
	for _, err := range errs {
		if err != nil {
			reported++
		}
	}
	assert.Equal(t, 1, reported, "the failure is reported by one Close only")
}

func TestSignalCheck(t *testing.T) {
	const heap = 64
	require.NoError(t, Signal{Off: 60, Op: signal.SigAdd}.Check(1, heap))
	requireCode(t, Signal{Off: 0, Op: 2}.Check(1, heap), errcode.InvalidParam, "unknown signal operation 2")
	requireCode(t, Signal{Off: 62, Op: signal.SigSet}.Check(1, heap), errcode.InvalidParam, "outside PE 1's")
	requireCode(t, Signal{Off: 64, Op: signal.SigSet}.Check(1, heap), errcode.InvalidParam, "outside PE 1's")
	requireCode(t, Signal{Off: 2, Op: signal.SigSet}.Check(1, heap), errcode.InvalidParam, "not 4-byte aligned")
	requireCode(t, Signal{Off: 0, Op: signal.SigSet}.Check(1, 2), errcode.InvalidParam, "outside PE 1's")
}

func TestCheckAtomic(t *testing.T) {
	const heap = 64
	require.NoError(t, CheckAtomic(0, signal.AmoAdd, 8, 56, -1, 0, heap))
	require.NoError(t, CheckAtomic(0, signal.AmoCompareSwap, 4, 60, 0xFFFFFFFF, -1<<31, heap))
	requireCode(t, CheckAtomic(0, 99, 8, 0, 0, 0, heap), errcode.InvalidParam, "atomic operation 99")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 2, 0, 0, 0, heap), errcode.InvalidParam, "width 2")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 4, 0, 1<<32, 0, heap), errcode.InvalidValue, "32-bit")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 4, 0, 0, -1<<31-1, heap), errcode.InvalidValue, "32-bit")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 8, 60, 0, 0, heap), errcode.InvalidParam, "outside")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 8, 4, 0, 0, heap), errcode.InvalidParam, "aligned")
	requireCode(t, CheckAtomic(0, signal.AmoAdd, 8, 0, 0, 0, 4), errcode.InvalidParam, "outside")
}

package signal

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/futex"
)

// writeOp is one atomic write: it runs on the word at a (which holds 10)
// and returns the value the call returned; after it the word holds after.
type writeOp struct {
	name     string
	run      func(a, w uintptr) (int64, error)
	returned int64
	after    int64
}

func noValue(err error) (int64, error) { return 0, err }

func ops32() []writeOp {
	widen := func(v int32, err error) (int64, error) { return int64(v), err }
	return []writeOp{
		{"Set32", func(a, w uintptr) (int64, error) { return noValue(Set32(a, w, -20)) }, 0, -20},
		{"Swap32", func(a, w uintptr) (int64, error) { return widen(Swap32(a, w, 20)) }, 10, 20},
		{"CompareSwap32", func(a, w uintptr) (int64, error) { return widen(CompareSwap32(a, w, 10, 20)) }, 10, 20},
		{"FetchAdd32", func(a, w uintptr) (int64, error) { return widen(FetchAdd32(a, w, -15)) }, 10, -5},
		{"Add32", func(a, w uintptr) (int64, error) { return noValue(Add32(a, w, 5)) }, 0, 15},
		{"Update32/set", func(a, w uintptr) (int64, error) { return noValue(Update32(a, w, SigSet, 3)) }, 0, 3},
		{"Update32/add", func(a, w uintptr) (int64, error) { return noValue(Update32(a, w, SigAdd, 3)) }, 0, 13},
	}
}

// The 64-bit values change only the high half where they can, so a waiter
// that slept on the low half would never be woken.
func ops64() []writeOp {
	const hi = int64(1) << 32
	return []writeOp{
		{"Set64", func(a, w uintptr) (int64, error) { return noValue(Set64(a, w, 10+hi)) }, 0, 10 + hi},
		{"Swap64", func(a, w uintptr) (int64, error) { return Swap64(a, w, 10+2*hi) }, 10, 10 + 2*hi},
		{"CompareSwap64", func(a, w uintptr) (int64, error) { return CompareSwap64(a, w, 10, -hi) }, 10, -hi},
		{"FetchAdd64", func(a, w uintptr) (int64, error) { return FetchAdd64(a, w, 3*hi) }, 10, 10 + 3*hi},
		{"Add64", func(a, w uintptr) (int64, error) { return noValue(Add64(a, w, -hi)) }, 0, 10 - hi},
	}
}

func TestAtomicsResults(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	for _, op := range ops32() {
		require.NoError(t, Set32(a, w, 10))
		got, err := op.run(a, w)
		require.NoError(t, err, op.name)
		assert.Equal(t, op.returned, got, op.name)
		assert.Equal(t, op.after, int64(Fetch32(a)), op.name)
	}
	for _, op := range ops64() {
		require.NoError(t, Set64(a, w, 10))
		got, err := op.run(a, w)
		require.NoError(t, err, op.name)
		assert.Equal(t, op.returned, got, op.name)
		assert.Equal(t, op.after, Fetch64(a), op.name)
	}
}

// Every write wakes a waiter that sleeps in the kernel, 32- and 64-bit.
func TestEveryWriteWakesSleepers(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	for _, op := range ops32() {
		require.NoError(t, Set32(a, w, 10))
		done := waitInBackground(func() (int64, error) {
			v, err := WaitUntil32(a, w, CmpEQ, int32(op.after), 10*time.Second, nil)
			return int64(v), err
		})
		requireAsleep(t, w, 1)
		wakes := futex.Wakes()
		_, err := op.run(a, w)
		require.NoError(t, err, op.name)
		// Woken by the write's futex wake, not found at a sleep slice's end.
		assert.Greater(t, futex.Wakes(), wakes, "%s made no futex wake", op.name)
		requireWoken(t, done, op.after)
	}
	for _, op := range ops64() {
		require.NoError(t, Set64(a, w, 10))
		done := waitInBackground(func() (int64, error) { return waitUntil64(a, w, CmpEQ, op.after, 10*time.Second) })
		requireAsleep(t, w, 1)
		wakes := futex.Wakes()
		_, err := op.run(a, w)
		require.NoError(t, err, op.name)
		// Woken by the write's futex wake, not found at a sleep slice's end.
		assert.Greater(t, futex.Wakes(), wakes, "%s made no futex wake", op.name)
		requireWoken(t, done, op.after)
	}
}

func TestCompareSwapMismatchWritesNothing(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	require.NoError(t, Set32(a, w, 5))
	old32, err := CompareSwap32(a, w, 4, 9)
	require.NoError(t, err)
	assert.Equal(t, int32(5), old32)
	assert.Equal(t, int32(5), Fetch32(a))

	require.NoError(t, Set64(a, w, 5))
	old64, err := CompareSwap64(a, w, 4, 9)
	require.NoError(t, err)
	assert.Equal(t, int64(5), old64)
	assert.Equal(t, int64(5), Fetch64(a))
}

func TestAtomicsRejectBadAddresses(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	type call = func(a, w uintptr) (int64, error)
	var calls []call
	for _, op := range append(ops32(), ops64()...) {
		calls = append(calls, op.run)
	}
	calls = append(calls,
		func(a, w uintptr) (int64, error) { v, err := WaitUntil32(a, w, CmpEQ, 0, 0, nil); return int64(v), err },
		func(a, w uintptr) (int64, error) { return waitUntil64(a, w, CmpEQ, 0, 0) },
		func(a, w uintptr) (int64, error) { return noValue(Wake32(a, w)) },
	)
	for i, c := range calls {
		for _, bad := range [][2]uintptr{{0, w}, {a + 2, w}, {a, 0}, {a, w + 1}} {
			_, err := c(bad[0], bad[1])
			assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "call %d with %#x %#x", i, bad[0], bad[1])
		}
	}
	// 4-byte aligned is enough for 32-bit words, not for 64-bit ones.
	assert.NoError(t, Set32(a+4, w, 1))
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(Set64(a+4, w, 1)))
	assert.NoError(t, CheckAligned32(a+4))
	assert.Error(t, CheckAligned64(a+4))

	for _, op := range []int{-1, 2} {
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(Update32(a, w, op, 1)), "op %d", op)
	}
	assert.Equal(t, int32(0), Fetch32(a), "rejected calls wrote nothing")
}

func TestConcurrentFetchAddInProcess(t *testing.T) {
	const goroutines, each = 8, 2000
	r := newRegion(t)
	w := wakeBlock(r)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				ticket, err := FetchAdd64(wordAt(r, 0), w, 1)
				if !assert.NoError(t, err) || !assert.Less(t, ticket, int64(slotCount)) {
					return
				}
				assert.NoError(t, Add32(slotAt(r, int(ticket)), w, 1))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(goroutines*each), Fetch64(wordAt(r, 0)))
	for i := 0; i < goroutines*each; i++ {
		require.Equal(t, int32(1), Fetch32(slotAt(r, i)), "ticket %d", i)
	}
}

package signal

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWritesWithoutSleepersStayOutOfTheKernel(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	before := futex.Wakes()
	for _, op := range append(ops32(), ops64()...) {
		_, err := op.run(a, w)
		require.NoError(t, err, op.name)
	}
	assert.Equal(t, before, futex.Wakes())
	assert.Equal(t, uint32(0), atomic.LoadUint32(generation(w)), "64-bit writes leave the generation alone")
}

func TestWritesWithSleepersWake(t *testing.T) {
	r := newRegion(t)
	w, a32, a64 := wakeBlock(r), wordAt(r, 0), wordAt(r, 1)
	done := waitInBackground(func() (int64, error) { return waitUntil64(a64, w, CmpEQ, 1, 10*time.Second) })
	requireAsleep(t, w, 1)

	before := futex.Wakes()
	require.NoError(t, Set32(a32, w, 1)) // another word of the segment: a spurious but harmless wake
	assert.Equal(t, before+1, futex.Wakes())
	gen := atomic.LoadUint32(generation(w))
	require.NoError(t, Set64(a64, w, 1))
	assert.Equal(t, before+2, futex.Wakes())
	assert.Equal(t, gen+1, atomic.LoadUint32(generation(w)))
	requireWoken(t, done, 1)
	assert.Equal(t, int32(0), Fetch32(w+sleepersOffset))
}

// Wake32 serves callers that change a word with their own atomic.
func TestWake32AfterOwnAtomicWrite(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	done := waitInBackground(func() (int64, error) {
		v, err := WaitUntil32(a, w, CmpNE, 0, 10*time.Second, nil)
		return int64(v), err
	})
	requireAsleep(t, w, 1)
	atomic.AddInt32(ptr32(a), 42)
	require.NoError(t, Wake32(a, w))
	requireWoken(t, done, 42)
}

// Many goroutines sleep on one 32-bit and one 64-bit word; each write must
// release all of them.
func TestBroadcastToManyWaitersInProcess(t *testing.T) {
	const waiters, rounds = 16, 50
	r := newRegion(t)
	w, a32, a64, ack := wakeBlock(r), wordAt(r, 0), wordAt(r, 1), wordAt(r, 2)
	var wg sync.WaitGroup
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func(wide bool) {
			defer wg.Done()
			for k := int64(1); k <= rounds; k++ {
				var err error
				if wide {
					_, err = waitUntil64(a64, w, CmpGE, k, 10*time.Second)
				} else {
					_, err = WaitUntil32(a32, w, CmpGE, int32(k), 10*time.Second, nil)
				}
				if !assert.NoError(t, err, "round %d", k) || !assert.NoError(t, Add32(ack, w, 1)) {
					return
				}
			}
		}(i%2 == 0)
	}
	for k := int64(1); k <= rounds; k++ {
		require.NoError(t, Set32(a32, w, int32(k)))
		require.NoError(t, Set64(a64, w, k))
		_, err := WaitUntil32(ack, w, CmpGE, int32(waiters*k), 10*time.Second, nil)
		require.NoError(t, err, "round %d", k)
	}
	wg.Wait()
	assert.Equal(t, int32(0), Fetch32(w+sleepersOffset))
}

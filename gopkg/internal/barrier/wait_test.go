package barrier

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

func state(t *testing.T, block uintptr) (arrivals, generation uint32) {
	t.Helper()
	return split(atomic.LoadUint64(statePtr(block)))
}

// runParticipants runs n goroutines, each calling participate(i), and
// returns their errors.
func runParticipants(n int, participate func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = participate(i)
		}()
	}
	wg.Wait()
	return errs
}

func TestBarrierInProcess(t *testing.T) {
	const n, rounds = 4, 500
	r := newRegion(t)
	errs := runParticipants(n, func(i int) error { return barrierRounds(r, i, n, rounds, 10*time.Second) })
	for i, err := range errs {
		assert.NoError(t, err, "participant %d", i)
	}
	arrivals, generation := state(t, blockOf(r))
	assert.Equal(t, uint32(0), arrivals)
	assert.Equal(t, uint32(rounds), generation)
	assert.Equal(t, uint32(0), sleepersOf(r), "no sleeper left registered")
}

func TestSingleParticipantPassesAtOnce(t *testing.T) {
	r := newRegion(t)
	for i := 0; i < 3; i++ {
		require.NoError(t, Wait(blockOf(r), 1, time.Millisecond, nil))
	}
	arrivals, generation := state(t, blockOf(r))
	assert.Equal(t, uint32(0), arrivals)
	assert.Equal(t, uint32(3), generation)
}

// Missing participants make the others time out; they take their arrivals
// back, so the same block then works for a full team.
func TestBarrierTimeoutLeavesBlockUsable(t *testing.T) {
	const n = 3
	r := newRegion(t)
	start := time.Now()
	errs := runParticipants(n-1, func(int) error { return Wait(blockOf(r), n, 100*time.Millisecond, nil) })
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	for _, err := range errs {
		assert.Equal(t, errcode.TimeoutError, errcode.CodeOf(err), "%v", err)
		assert.Contains(t, err.Error(), "of the other 2 participants arrived")
	}
	arrivals, generation := state(t, blockOf(r))
	assert.Equal(t, uint32(0), arrivals, "timed-out participants withdrew")
	assert.Equal(t, uint32(0), generation)

	errs = runParticipants(n, func(int) error { return Wait(blockOf(r), n, 10*time.Second, nil) })
	for _, err := range errs {
		assert.NoError(t, err)
	}
	arrivals, generation = state(t, blockOf(r))
	assert.Equal(t, uint32(0), arrivals)
	assert.Equal(t, uint32(1), generation)
}

// A participant whose timeout expires just as the episode completes must
// report success, not withdraw from the next episode.
func TestWithdrawAfterReleaseIsSuccess(t *testing.T) {
	r := newRegion(t)
	b := blockOf(r)
	atomic.StoreUint64(statePtr(b), generationOne*5+2) // generation 5, 2 arrivals
	others, withdrawn := withdraw(b, 5)
	assert.True(t, withdrawn)
	assert.Equal(t, uint32(1), others)
	arrivals, generation := state(t, b)
	assert.Equal(t, uint32(1), arrivals)
	assert.Equal(t, uint32(5), generation)

	atomic.StoreUint64(statePtr(b), generationOne*6+1) // released meanwhile, next episode begun
	_, withdrawn = withdraw(b, 5)
	assert.False(t, withdrawn)
	arrivals, generation = state(t, b)
	assert.Equal(t, uint32(1), arrivals, "the next episode's arrival is untouched")
	assert.Equal(t, uint32(6), generation)
}

func TestGenerationWraps(t *testing.T) {
	r := newRegion(t)
	b := blockOf(r)
	atomic.StoreUint64(statePtr(b), generationOne*0xFFFFFFFF)
	errs := runParticipants(2, func(int) error { return Wait(b, 2, 10*time.Second, nil) })
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	arrivals, generation := state(t, b)
	assert.Equal(t, uint32(0), arrivals)
	assert.Equal(t, uint32(0), generation)
}

func TestBarrierRejectsBadArguments(t *testing.T) {
	r := newRegion(t)
	b := blockOf(r)
	bad := []struct {
		name    string
		block   uintptr
		n       int
		timeout time.Duration
	}{
		{"null block", 0, 2, 0},
		{"misaligned block", b + 8, 2, 0},
		{"no participants", b, 0, 0},
		{"negative participants", b, -3, 0},
		{"too many participants", b, 1 << 40, 0},
		{"negative timeout", b, 2, -time.Second},
	}
	for _, c := range bad {
		err := Wait(c.block, c.n, c.timeout, nil)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), c.name)
	}
	arrivals, _ := state(t, b)
	assert.Equal(t, uint32(0), arrivals, "rejected calls did not arrive")

	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(Init(0)))
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(Init(b+4)))
}

// Participants that disagree on the count, or a block never initialised,
// give an error instead of a barrier that releases at random.
func TestTooManyArrivalsIsAnError(t *testing.T) {
	r := newRegion(t)
	b := blockOf(r)
	atomic.StoreUint64(statePtr(b), 2) // two arrivals already
	err := Wait(b, 2, time.Millisecond, nil)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	arrivals, generation := state(t, b)
	assert.Equal(t, uint32(2), arrivals)
	assert.Equal(t, uint32(0), generation)
}

func TestInitZeroesTheBlock(t *testing.T) {
	r := newRegion(t)
	b := blockOf(r)
	for off := uintptr(0); off < BlockSize; off += 8 {
		atomic.StoreUint64(statePtr(b+off), ^uint64(0))
	}
	atomic.StoreUint64(statePtr(b+BlockSize), 7) // the next thing in memory
	require.NoError(t, Init(b))
	for off := uintptr(0); off < BlockSize; off += 8 {
		assert.Equal(t, uint64(0), atomic.LoadUint64(statePtr(b+off)), "offset %d", off)
	}
	assert.Equal(t, uint64(7), atomic.LoadUint64(statePtr(b+BlockSize)), "Init stays inside the block")
	assert.Equal(t, 0, BlockSize%64)
}

// A participant asleep in the kernel is released by the last arriver's wake,
// not by its own timeout.
func TestSleepingParticipantIsWoken(t *testing.T) {
	r := newRegion(t)
	done := make(chan error, 1)
	go func() { done <- Wait(blockOf(r), 2, 10*time.Second, nil) }()
	require.Eventually(t, func() bool { return sleepersOf(r) == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // inside futex_wait by now
	require.NoError(t, Wait(blockOf(r), 2, time.Second, nil))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("the sleeping participant was not woken")
	}
}

// Ctrl-C ends a barrier wait and takes the arrival back: the barrier then
// completes normally for everyone.
func TestInterruptTakesArrivalBack(t *testing.T) {
	r := newRegion(t)
	var mark interrupt.Mark
	done := make(chan error, 1)
	go func() { done <- Wait(blockOf(r), 2, 0, &mark) }()
	require.Eventually(t, func() bool { return sleepersOf(r) == 1 },
		10*time.Second, time.Millisecond, "the participant never slept")
	interrupt.Raise()
	select {
	case err := <-done:
		assert.Equal(t, errcode.Interrupted, errcode.CodeOf(err))
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupt did not end the barrier wait")
	}
	errs := runParticipants(2, func(int) error { return Wait(blockOf(r), 2, 10*time.Second, nil) })
	for _, err := range errs {
		require.NoError(t, err)
	}
}

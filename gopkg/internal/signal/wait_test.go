package signal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestWaitUntilComparisons(t *testing.T) {
	r := newRegion(t)
	w := wakeBlock(r)
	a32, a64 := wordAt(r, 0), wordAt(r, 1)
	cases := []struct {
		cmp         int
		word, value int64
		holds       bool
	}{
		{CmpEQ, 5, 5, true}, {CmpEQ, 5, 6, false},
		{CmpNE, 5, 6, true}, {CmpNE, 5, 5, false},
		{CmpGT, 6, 5, true}, {CmpGT, 5, 5, false},
		{CmpGE, 5, 5, true}, {CmpGE, 4, 5, false},
		{CmpLT, -7, 5, true}, {CmpLT, 5, 5, false},
		{CmpLE, 5, 5, true}, {CmpLE, 6, 5, false},
	}
	for _, c := range cases {
		require.NoError(t, Set32(a32, w, int32(c.word)))
		require.NoError(t, Set64(a64, w, c.word<<33))
		v32, err32 := WaitUntil32(a32, w, c.cmp, int32(c.value), time.Millisecond, nil)
		v64, err64 := waitUntil64(a64, w, c.cmp, c.value<<33, time.Millisecond)
		assert.Equal(t, int32(c.word), v32, "%+v", c)
		assert.Equal(t, c.word<<33, v64, "%+v", c)
		if c.holds {
			assert.NoError(t, err32, "%+v", c)
			assert.NoError(t, err64, "%+v", c)
		} else {
			assert.Equal(t, errcode.TimeoutError, errcode.CodeOf(err32), "%+v", c)
			assert.Equal(t, errcode.TimeoutError, errcode.CodeOf(err64), "%+v", c)
		}
	}
	assert.Equal(t, int32(0), Fetch32(w+sleepersOffset), "timed-out waiters left the wake block")
}

func TestWaitUntilRejectsBadArguments(t *testing.T) {
	r := newRegion(t)
	w, a := wakeBlock(r), wordAt(r, 0)
	for _, cmp := range []int{-1, 6, 100} {
		_, err := WaitUntil32(a, w, cmp, 0, 0, nil)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "cmp %d", cmp)
	}
	_, err := WaitUntil32(a, w, CmpEQ, 1, -time.Second, nil)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
}

func TestWaitTimeoutIsHonoured(t *testing.T) {
	r := newRegion(t)
	start := time.Now()
	v, err := WaitUntil32(wordAt(r, 0), wakeBlock(r), CmpEQ, 1, 100*time.Millisecond, nil)
	elapsed := time.Since(start)
	assert.Equal(t, errcode.TimeoutError, errcode.CodeOf(err))
	assert.Equal(t, int32(0), v)
	assert.GreaterOrEqual(t, elapsed, 100*time.Millisecond)
	assert.Less(t, elapsed, 20*time.Second, "guards against a hang only")
}

// A waiter asleep in the kernel is woken by a writer in another goroutine.
func TestWaitUntilWakesOnUpdate(t *testing.T) {
	r := newRegion(t)
	w := wakeBlock(r)
	for _, op := range []int{SigSet, SigAdd} {
		a32, a64 := wordAt(r, 2*op), wordAt(r, 2*op+1)
		got32 := waitInBackground(func() (int64, error) {
			v, err := WaitUntil32(a32, w, CmpGE, 7, 10*time.Second, nil)
			return int64(v), err
		})
		got64 := waitInBackground(func() (int64, error) { return waitUntil64(a64, w, CmpGE, 7, 10*time.Second) })
		requireAsleep(t, w, 2)
		require.NoError(t, Update32(a32, w, op, 7))
		if op == SigSet {
			require.NoError(t, Set64(a64, w, 7))
		} else {
			require.NoError(t, Add64(a64, w, 7))
		}
		requireWoken(t, got32, 7)
		requireWoken(t, got64, 7)
	}
}

type waitResult struct {
	value int64
	err   error
}

func waitInBackground(wait func() (int64, error)) chan waitResult {
	done := make(chan waitResult, 1)
	go func() {
		v, err := wait()
		done <- waitResult{v, err}
	}()
	return done
}

// requireAsleep waits until n waiters have registered in the wake block,
// then a little longer so that they are inside futex_wait, where only a
// wake (not the word changing) gets them out.
func requireAsleep(t *testing.T, waiters uintptr, n int32) {
	require.Eventually(t, func() bool { return Fetch32(waiters+sleepersOffset) == n }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
}

func requireWoken(t *testing.T, done chan waitResult, want int64) {
	select {
	case got := <-done:
		require.NoError(t, got.err)
		require.Equal(t, want, got.value)
	case <-time.After(5 * time.Second):
		t.Fatal("waiter was not woken")
	}
}

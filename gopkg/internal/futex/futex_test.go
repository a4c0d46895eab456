package futex

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWaitReturnsAtOnceWhenTheWordDiffers(t *testing.T) {
	var word uint32 = 1
	before := Sleeps()
	Wait(&word, 0, 0) // no limit, yet it must not sleep: the word is not 0
	assert.Equal(t, before+1, Sleeps())
}

func TestWaitEndsAtItsTimeout(t *testing.T) {
	var word uint32
	Wait(&word, 0, time.Millisecond) // nobody wakes it: the timeout must
}

func TestWakeAllWakesASleeper(t *testing.T) {
	var word uint32
	var woke atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for atomic.LoadUint32(&word) == 0 {
			Wait(&word, 0, 0)
		}
		woke.Store(true)
	}()
	require.Eventually(t, func() bool { return Sleeps() > 0 }, 10*time.Second, time.Millisecond)
	before := Wakes()
	atomic.StoreUint32(&word, 1)
	WakeAll(&word)
	assert.Equal(t, before+1, Wakes())
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the sleeper was never woken")
	}
	assert.True(t, woke.Load())
}

func TestYieldAndPauseReturn(t *testing.T) {
	Yield()
	Pause()
}

package signal

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpinsForOnlyWhenEveryPEHasACPU(t *testing.T) {
	assert.True(t, SpinsFor(1))
	assert.True(t, SpinsFor(runtime.NumCPU()))
	assert.False(t, SpinsFor(runtime.NumCPU()+1))
	assert.False(t, SpinsFor(0))
}

// waitCountingSleepers runs Wait on a condition that turns true at its
// calls-th check and reports the most sleepers the wake block counted.
func waitCountingSleepers(t *testing.T, calls int) uint32 {
	r := newRegion(t)
	wb := wakeBlock(r)
	var seen, most uint32
	err := Wait(wb, func() bool {
		if n := atomic.LoadUint32(sleepers(wb)); n > most {
			most = n
		}
		seen++
		return int(seen) >= calls
	}, 10*time.Second, nil)
	require.NoError(t, err)
	return most
}

func TestSpinPhaseCatchesAWriteBeforeSleeping(t *testing.T) {
	prevSpin, prevBudget, prevYield := spinTime.Load(), spinBudget, yieldBudget
	t.Cleanup(func() { spinTime.Store(prevSpin); spinBudget, yieldBudget = prevBudget, prevYield })
	spinBudget, yieldBudget = 0, 0

	SetSpin(false)
	assert.Equal(t, uint32(1), waitCountingSleepers(t, 3), "without the spin phase the waiter sleeps at once")

	SetSpin(true)
	assert.Equal(t, int64(spinLong), spinTime.Load())
	spinTime.Store(int64(time.Hour)) // no time bound in this test: a loaded machine must not make it sleep
	assert.Zero(t, waitCountingSleepers(t, 1000), "the spin phase caught the condition: the waiter never slept")
}

func TestSpinPhaseKeepsTheTimeout(t *testing.T) {
	prevSpin := spinTime.Load()
	t.Cleanup(func() { spinTime.Store(prevSpin) })
	spinTime.Store(int64(time.Hour))
	r := newRegion(t)
	err := Wait(wakeBlock(r), func() bool { return false }, 20*time.Millisecond, nil)
	require.Error(t, err, "a wait that never holds ends at its timeout, not after the spin")
}

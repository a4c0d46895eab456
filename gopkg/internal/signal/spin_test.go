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
	prevSpin, prevCredit, prevBudget, prevYield := spinTime.Load(), spinCredit.Load(), spinBudget, yieldBudget
	t.Cleanup(func() {
		spinTime.Store(prevSpin)
		spinCredit.Store(prevCredit)
		spinBudget, yieldBudget = prevBudget, prevYield
	})
	spinBudget, yieldBudget = 0, 0

	SetSpin(false)
	assert.Equal(t, uint32(1), waitCountingSleepers(t, 3), "without the spin phase the waiter sleeps at once")

	SetSpin(true)
	assert.Equal(t, int64(spinLong), spinTime.Load())
	spinTime.Store(int64(time.Hour)) // no time bound in this test: a loaded machine must not make it sleep
	spinCredit.Store(int64(time.Hour))
	assert.Zero(t, waitCountingSleepers(t, 1000), "the spin phase caught the condition: the waiter never slept")
}

func TestSpinCreditHalvesOnMissesAndGrowsOnCatches(t *testing.T) {
	prevSpin, prevCredit := spinTime.Load(), spinCredit.Load()
	t.Cleanup(func() { spinTime.Store(prevSpin); spinCredit.Store(prevCredit) })
	SetSpin(true)
	spun(false)
	spun(false)
	assert.Equal(t, int64(spinLong)/4, spinCredit.Load(), "two misses: a quarter of the spin")
	for range 20 {
		spun(false)
	}
	assert.Equal(t, spinFloor, spinCredit.Load(), "many misses: the floor")
	for range 20 {
		spun(true)
	}
	assert.Equal(t, int64(spinLong), spinCredit.Load(), "catches earn the whole spin back")
}

func TestSpinPhaseKeepsTheTimeout(t *testing.T) {
	prevSpin, prevCredit := spinTime.Load(), spinCredit.Load()
	t.Cleanup(func() { spinTime.Store(prevSpin); spinCredit.Store(prevCredit) })
	spinTime.Store(int64(time.Hour))
	spinCredit.Store(int64(time.Hour))
	r := newRegion(t)
	err := Wait(wakeBlock(r), func() bool { return false }, 20*time.Millisecond, nil)
	require.Error(t, err, "a wait that never holds ends at its timeout, not after the spin")
}

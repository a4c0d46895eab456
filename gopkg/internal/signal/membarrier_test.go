package signal

import (
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterAsymmetricIsStable(t *testing.T) {
	first := RegisterAsymmetric()
	assert.Equal(t, first, RegisterAsymmetric())
	assert.Equal(t, first, AsymmetricFences())
	if !first {
		t.Skip("membarrier GLOBAL_EXPEDITED is not available here: writers keep their own fence")
	}
}

// A writer that stores and reads the sleeper count without a fence of its
// own (as the Python facade does once the process registered) still wakes a
// sleeper: the sleeper's membarrier stands in for the fence.
func TestSleeperIsWokenByAWriterWithoutAFence(t *testing.T) {
	if !RegisterAsymmetric() {
		t.Skip("membarrier GLOBAL_EXPEDITED is not available here")
	}
	prevBudget, prevYield, prevSpin := spinBudget, yieldBudget, spinTime.Load()
	t.Cleanup(func() { spinBudget, yieldBudget = prevBudget, prevYield; spinTime.Store(prevSpin) })
	spinBudget, yieldBudget = 0, 0
	spinTime.Store(0)
	r := newRegion(t)
	wb, word := wakeBlock(r), wordAt(r, 0)
	wakesBefore := WakeCount()
	done := make(chan error, 1)
	go func() {
		_, err := WaitUntil32(word, wb, CmpEQ, 1, 20*time.Second, nil)
		done <- err
	}()
	for atomic.LoadUint32(sleepers(wb)) == 0 {
		time.Sleep(time.Millisecond)
	}
	*(*int32)(unsafe.Pointer(ptrU32(word))) = 1 // the facade's plain store, on purpose not atomic
	if atomic.LoadUint32(sleepers(wb)) != 0 {
		wakeAll(wb)
	}
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the sleeper was not woken")
	}
	assert.Greater(t, WakeCount(), wakesBefore, "the writer saw the sleeper and woke it")
}

package signal

import (
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// WaitUntil32 waits until the 32-bit word at addr satisfies
// "word <cmp> value" and returns the value that did. waiters is the wake
// block of the word's segment. timeout 0 waits forever; on expiry the error
// has code TimeoutError and the last value seen is returned. mark (nil: not
// interruptible) ends the wait with an Interrupted error on Ctrl-C.
func WaitUntil32(addr, waiters uintptr, cmp int, value int32, timeout time.Duration, mark *interrupt.Mark) (int32, error) {
	p, err := words32(addr, waiters)
	if err != nil {
		return 0, err
	}
	if cmp < CmpEQ || cmp > CmpLE {
		_, err := predicate(cmp, value)
		return 0, err
	}
	if v := atomic.LoadInt32(p); Holds(cmp, v, value) {
		return v, nil // no closure built: a satisfied wait allocates nothing
	}
	ok, _ := predicate(cmp, value)
	var v int32
	err = Wait(waiters, func() bool { v = atomic.LoadInt32(p); return ok(v) }, timeout, mark)
	if errcode.CodeOf(err) == errcode.TimeoutError {
		err = errcode.New(errcode.TimeoutError, "wait timed out after %v (last value %d)", timeout, v)
	}
	return v, err
}

// The awake budgets of Wait; tests set them to 0 to drive every wait
// through the futex and so stress the wake protocol.
var spinBudget, yieldBudget = spinIterations, yieldIterations

// Wait blocks until check reports true. check reads variables of the segment
// whose wake block is waiters, with atomic loads; every library write to that
// segment wakes the sleepers (wake.go), and a sleeper re-checks at least
// every sleepSlice in any case. Wait spins, yields, then sleeps on the
// generation word. timeout 0 waits forever; otherwise it ends with a
// TimeoutError. mark (nil: not interruptible) is taken when Wait first has
// to block; an interrupt after that ends the wait with an Interrupted error.
// A condition that holds at once costs one call of check.
func Wait(waiters uintptr, check func() bool, timeout time.Duration, mark *interrupt.Mark) error {
	if timeout < 0 {
		return errcode.New(errcode.InvalidParam, "negative timeout %v", timeout)
	}
	if err := checkWakeBlock(waiters); err != nil {
		return err
	}
	if check() {
		return nil
	}
	mark.Take()
	start := time.Now()
	deadline := start.Add(timeout)
	for i := 0; i < spinBudget; i++ {
		futex.Pause()
		if check() {
			return nil
		}
	}
	if spin := time.Duration(spinCredit.Load()); spin > 0 && spinTime.Load() > 0 {
		if timeout > 0 {
			spin = min(spin, timeout)
		}
		for i := 1; ; i++ {
			futex.Pause()
			if check() {
				spun(true)
				return nil
			}
			if i%64 == 0 && time.Since(start) > spin {
				spun(false)
				break
			}
		}
	} else if spinTime.Load() > 0 {
		spun(false) // no credit: earn it back slowly
	}
	// A yield that takes long means other threads want this CPU: stop being
	// runnable and sleep, also so that a short timeout is kept.
	for i := 0; i < yieldBudget; i++ {
		futex.Yield()
		if check() {
			return nil
		}
		if now := time.Now(); now.Sub(start) > yieldTimeLimit || (timeout > 0 && now.After(deadline)) {
			break
		}
	}

	count, gen := sleepers(waiters), generation(waiters)
	atomic.AddUint32(count, 1) // A1
	defer atomic.AddUint32(count, ^uint32(0))
	sleeperFence() // for writers that skip B1's fence (membarrier_linux.go)
	for {
		g := atomic.LoadUint32(gen) // A2a, before the variables
		if check() {                // A2b
			return nil
		}
		if err := mark.Err(); err != nil {
			return err
		}
		sleep := sleepSlice
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return errcode.New(errcode.TimeoutError, "wait timed out after %v", timeout)
			}
			sleep = min(sleep, left)
		}
		futex.Wait(gen, g, sleep) // A3
	}
}

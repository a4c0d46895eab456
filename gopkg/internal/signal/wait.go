package signal

import (
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// WaitUntil32 waits until the 32-bit word at addr satisfies
// "word <cmp> value" and returns the value that did. waiters is the wake
// block of the word's segment. timeout 0 waits forever; on expiry the error
// has code TimeoutError and the last value seen is returned.
func WaitUntil32(addr, waiters uintptr, cmp int, value int32, timeout time.Duration) (int32, error) {
	p, err := words32(addr, waiters)
	if err != nil {
		return 0, err
	}
	ok, err := predicate(cmp, value)
	if err != nil {
		return 0, err
	}
	word := ptrU32(addr)
	observe := func() (int32, *uint32, uint32) {
		v := atomic.LoadInt32(p)
		return v, word, uint32(v)
	}
	return waitLoop(observe, ok, waiters, timeout)
}

// WaitUntil64 is WaitUntil32 for a 64-bit word; it sleeps on the wake
// block's generation word (see wake.go).
func WaitUntil64(addr, waiters uintptr, cmp int, value int64, timeout time.Duration) (int64, error) {
	p, err := words64(addr, waiters)
	if err != nil {
		return 0, err
	}
	ok, err := predicate(cmp, value)
	if err != nil {
		return 0, err
	}
	gen := generation(waiters)
	observe := func() (int64, *uint32, uint32) {
		g := atomic.LoadUint32(gen) // before the value: step A2a of wake.go
		return atomic.LoadInt64(p), gen, g
	}
	return waitLoop(observe, ok, waiters, timeout)
}

// The awake budgets of waitLoop; tests set them to 0 to drive every wait
// through the futex and so stress the wake protocol.
var spinBudget, yieldBudget = spinIterations, yieldIterations

// waitLoop spins, yields, then sleeps until ok holds for the observed value.
// observe returns the value and the futex word and expected contents to
// sleep on, read in the order the wake protocol requires.
func waitLoop[T int32 | int64](observe func() (T, *uint32, uint32), ok func(T) bool,
	waiters uintptr, timeout time.Duration) (T, error) {
	if timeout < 0 {
		return 0, errcode.New(errcode.InvalidParam, "negative timeout %v", timeout)
	}
	if v, _, _ := observe(); ok(v) {
		return v, nil
	}
	start := time.Now()
	deadline := start.Add(timeout)
	for i := 0; i < spinBudget; i++ {
		cpuRelax()
		if v, _, _ := observe(); ok(v) {
			return v, nil
		}
	}
	// A yield that takes long means other threads want this CPU: stop being
	// runnable and sleep, also so that a short timeout is kept.
	for i := 0; i < yieldBudget; i++ {
		osYield()
		if v, _, _ := observe(); ok(v) {
			return v, nil
		}
		if now := time.Now(); now.Sub(start) > yieldTimeLimit || (timeout > 0 && now.After(deadline)) {
			break
		}
	}

	count := sleepers(waiters)
	atomic.AddUint32(count, 1)
	defer atomic.AddUint32(count, ^uint32(0))
	for {
		v, word, expected := observe()
		if ok(v) {
			return v, nil
		}
		var left time.Duration
		if timeout > 0 {
			if left = time.Until(deadline); left <= 0 {
				return v, errcode.New(errcode.TimeoutError, "wait timed out after %v (last value %d)", timeout, v)
			}
		}
		futexWait(word, expected, left)
	}
}

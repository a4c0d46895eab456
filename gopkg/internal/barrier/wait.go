package barrier

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// Wait blocks until all n participants have called Wait on the barrier
// block at block (this process's address of it). waiters is the wake block
// (see signal.WakeBlockSize) of the segment holding the barrier block.
// timeout 0 waits forever; otherwise, when the others do not all arrive in
// time (one died, say), Wait takes its own arrival back and returns an error
// with code TimeoutError, leaving the block usable. mark (nil: not
// interruptible) ends the wait on Ctrl-C the same way, with an Interrupted
// error: the arrival is taken back, so the barrier can be called again.
func Wait(block uintptr, n int, waiters uintptr, timeout time.Duration, mark *interrupt.Mark) error {
	if err := checkBlock(block); err != nil {
		return err
	}
	if n < 1 || n > math.MaxInt32 {
		return errcode.New(errcode.InvalidParam, "barrier of %d participants", n)
	}
	if err := signal.CheckAligned32(waiters); err != nil {
		return errcode.Wrap(errcode.InvalidParam, err, "barrier wake block")
	}
	if timeout < 0 {
		return errcode.New(errcode.InvalidParam, "negative barrier timeout %v", timeout)
	}

	generation, last, err := arrive(block, uint32(n), waiters)
	if err != nil || last {
		return err // on success the last arriver has released the others
	}
	_, err = signal.WaitUntil32(block+genOffset, waiters, signal.CmpNE, int32(generation), timeout, mark)
	code := errcode.CodeOf(err)
	if code != errcode.TimeoutError && code != errcode.Interrupted {
		return err
	}
	if others, withdrawn := withdraw(block, generation); withdrawn {
		if code == errcode.Interrupted {
			return err
		}
		return errcode.New(errcode.TimeoutError,
			"barrier timed out after %v: %d of the other %d participants arrived", timeout, others, n-1)
	}
	return nil // the barrier completed as the timeout expired
}

// arrive counts the caller in. The last arriver starts the next episode
// (arrivals 0, generation+1) in the same atomic step, wakes the sleepers and
// gets last; the others get the generation to wait past.
func arrive(block uintptr, n uint32, waiters uintptr) (generation uint32, last bool, err error) {
	state := statePtr(block)
	for {
		old := atomic.LoadUint64(state)
		arrivals, gen := split(old)
		if arrivals >= n {
			return 0, false, errcode.New(errcode.InvalidParam,
				"barrier already has %d arrivals for %d participants: participants disagree on the count, or the block was not initialised", arrivals, n)
		}
		if arrivals+1 < n {
			if atomic.CompareAndSwapUint64(state, old, old+arrivalOne) {
				return gen, false, nil
			}
			continue
		}
		if atomic.CompareAndSwapUint64(state, old, uint64(gen+1)<<32) {
			return gen, true, signal.Wake32(block+genOffset, waiters)
		}
	}
}

// withdraw takes back the arrival of a participant that timed out in
// episode generation and reports how many others had arrived, unless the
// episode completed in the meantime (then the barrier did succeed and
// withdrawn is false).
func withdraw(block uintptr, generation uint32) (others uint32, withdrawn bool) {
	state := statePtr(block)
	for {
		old := atomic.LoadUint64(state)
		arrivals, g := split(old)
		if g != generation {
			return 0, false
		}
		// Our own arrival is still counted, so arrivals >= 1.
		if atomic.CompareAndSwapUint64(state, old, old-arrivalOne) {
			return arrivals - 1, true
		}
	}
}

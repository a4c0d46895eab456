package barrier

import (
	"errors"
	"math"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// Wait blocks until all n participants have called Wait on the barrier
// block at block (this process's address of it). timeout 0 waits forever;
// otherwise, when the others do not all arrive in time (one died, say), Wait
// takes its own arrival back and returns an error with code TimeoutError,
// leaving the block usable. mark (nil: not interruptible) ends the wait on
// Ctrl-C the same way, with an Interrupted error: the arrival is taken back,
// so the barrier can be called again. How a participant waits depends on
// whether the n participants outnumber this machine's CPUs (policy.go).
func Wait(block uintptr, n int, timeout time.Duration, mark *interrupt.Mark) error {
	if err := checkBlock(block); err != nil {
		return err
	}
	if n < 1 || n > math.MaxInt32 {
		return errcode.New(errcode.InvalidParam, "barrier of %d participants", n)
	}
	if timeout < 0 {
		return errcode.New(errcode.InvalidParam, "negative barrier timeout %v", timeout)
	}

	generation, last, err := arrive(block, uint32(n))
	if err != nil || last {
		return err // on success the last arriver has released the others
	}
	err = await(block, generation, policyFor(n), timeout, mark)
	if err == nil {
		return nil
	}
	if others, withdrawn := withdraw(block, generation); withdrawn {
		if errors.Is(err, errExpired) {
			return errcode.New(errcode.TimeoutError,
				"barrier timed out after %v: %d of the other %d participants arrived", timeout, others, n-1)
		}
		return err
	}
	return nil // the barrier completed as the wait ended
}

// arrive counts the caller in. The last arriver starts the next episode
// (arrivals 0, generation+1) in the same atomic step, wakes the sleepers, if
// any, and gets last; the others get the generation to wait past.
//
// No lost wake-up: a sleeper counts itself in (S1, an atomic add on
// sleepers), then reads the generation (S2) and futex-waits on it; the last
// arriver bumps the generation (R1, the CAS) and then reads sleepers (R2).
// Go's atomics are sequentially consistent, across processes too (the same
// instructions on the same physical line). If R2 precedes S1, R1 precedes
// S2, which sees the new generation and does not sleep. Otherwise R2 sees
// the sleeper and wakes the word; the kernel compares the word and queues
// the sleeper atomically with respect to wakes on it, so a futex-wait that
// starts after R1 returns at once and one that started before is woken.
func arrive(block uintptr, n uint32) (generation uint32, last bool, err error) {
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
			if atomic.LoadUint32(sleepersWord(block)) != 0 {
				futex.WakeAll(generationWord(block))
			}
			return gen, true, nil
		}
	}
}

// errExpired is await's timeout; Wait turns it into a TimeoutError once it
// knows how many others had arrived.
var errExpired = errors.New("barrier wait expired")

// await waits, under policy p, until the generation moves past generation:
// nil then, errExpired after timeout (0: never), the interrupt's error on
// Ctrl-C once mark is taken.
func await(block uintptr, generation uint32, p policy, timeout time.Duration, mark *interrupt.Mark) error {
	gen := generationWord(block)
	if atomic.LoadUint32(gen) != generation {
		return nil
	}
	mark.Take()
	start := time.Now()
	expired := func(waited time.Duration) bool { return timeout > 0 && waited >= timeout }
	for i := 1; p.spin > 0; i++ {
		futex.Pause()
		if atomic.LoadUint32(gen) != generation {
			return nil
		}
		if i%spinCheckEvery == 0 {
			if err := mark.Err(); err != nil {
				return err
			}
			if waited := time.Since(start); waited >= p.spin || expired(waited) {
				break
			}
		}
	}
	for p.yield > 0 {
		if err := mark.Err(); err != nil {
			return err
		}
		if waited := time.Since(start); waited >= p.yield || expired(waited) {
			break
		}
		futex.Yield()
		if atomic.LoadUint32(gen) != generation {
			return nil
		}
	}

	sleepers := sleepersWord(block)
	atomic.AddUint32(sleepers, 1) // S1 (see arrive)
	defer atomic.AddUint32(sleepers, ^uint32(0))
	for {
		if atomic.LoadUint32(gen) != generation { // S2
			return nil
		}
		if err := mark.Err(); err != nil {
			return err
		}
		slice := sleepSlice
		if timeout > 0 {
			left := timeout - time.Since(start)
			if left <= 0 {
				return errExpired
			}
			slice = min(slice, left)
		}
		futex.Wait(gen, generation, slice)
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

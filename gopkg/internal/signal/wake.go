package signal

import (
	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"sync/atomic"
)

// The wake protocol. A futex wake is a system call, so writers make it only
// when the wake block of the segment they wrote says that some thread may be
// asleep. Every sleeper of a segment sleeps on one futex word, the
// generation word of its wake block, whatever it waits for: a 32- or 64-bit
// signal word, a variable of any width, several variables at once. So one
// protocol serves every writer: an atomic, a signal, a put's plain copy.
//
//	sleeper: A1 sleepers++ (atomic add); A2a g = load(gen);
//	         A2b read the awaited variables, check the condition;
//	         A3 futex_wait(gen, g); goto A2a; sleepers-- on the way out
//	writer:  B1 write the variables (atomics, or a plain copy followed by a
//	            full fence); B2 if load(sleepers) != 0 { B3 gen++; B4 wake(gen) }
//
// Go's atomics are sequentially consistent (on x86 an add is LOCK XADD, a
// full barrier), and the fence after a plain copy orders its stores before
// B2's load, so A1, A2a, B1-as-a-whole, B2 and B3 fall into one total order
// S, across processes too, since they are the same instructions on the same
// physical lines. No lost wake-up: take a sleeper that sleeps at A3 although
// B1 made its condition true.
//   - If B2 precedes A1 in S, then B1 < A2b, so A2b saw the new values and
//     the sleeper would have returned instead of sleeping.
//   - Otherwise B2 sees sleepers >= 1 and bumps gen. If B3 < A2a, again
//     B1 < A2b. Else A2a read the old generation; the kernel checks
//     gen == g and queues the sleeper atomically with respect to wakes on
//     gen: if the check runs after B3 it fails and A3 returns at once
//     (EAGAIN); if it runs before, the sleeper is queued before B4, which
//     wakes it.
//
// The generation is 32 bits, so a miss would need exactly 2^32 bumps between
// A2a and A3. A write to a segment with a sleeper wakes every sleeper of that
// segment; they re-check and sleep again. The sleepers of a segment are the
// threads of the PE that owns it (a PE waits only on its own memory), which
// is one thread in the common case, so the broadcast costs nothing extra.
//
// A store that bypasses the library (a NumPy view written by another thread,
// a peer writing through shmem_ptr) runs no B2; sleepers re-check every
// sleepSlice, so such a store is seen within that time.

func sleepers(waiters uintptr) *uint32 { return ptrU32(waiters + sleepersOffset) }

func generation(waiters uintptr) *uint32 { return ptrU32(waiters + generationOffset) }

// wakeAll is steps B2-B4 for any write to the segment of waiters.
func wakeAll(waiters uintptr) {
	if atomic.LoadUint32(sleepers(waiters)) != 0 {
		gen := generation(waiters)
		atomic.AddUint32(gen, 1)
		futex.WakeAll(gen)
	}
}

// WakeStores is steps B1's fence and B2-B4 for a writer that changed the
// segment of waiters with plain stores (a put's copy, a network delivery):
// call it after the last store. A segment nobody sleeps on costs one fence
// and one load of its sleeper count. waiters 0 (no wake block) does nothing.
func WakeStores(waiters uintptr) {
	if waiters == 0 {
		return
	}
	// A locked add on a private word is a full fence (x86: LOCK XADD; arm64:
	// LDADDAL, acquire and release): the copy's stores are visible before
	// the sleeper count is read, which B2 needs.
	var fence uint32
	atomic.AddUint32(&fence, 1)
	wakeAll(waiters)
}

// Wake32 wakes the threads of any process sleeping on the segment of
// waiters (waiting on the 32-bit word at addr or on anything else there), if
// the wake block says some may be asleep. It is for callers that change the
// word with their own sync/atomic write (the barrier bumps one half of a
// 64-bit word); call it after that write.
func Wake32(addr, waiters uintptr) error {
	if _, err := words32(addr, waiters); err != nil {
		return err
	}
	wakeAll(waiters)
	return nil
}

// WakeCount is how many futex wakes this process has made: tests of other
// packages see with it that a write woke its sleepers through the protocol
// (not merely through a sleeper's periodic re-check).
func WakeCount() uint64 { return futex.Wakes() }

package signal

import (
	"sync/atomic"
	"unsafe"
)

// The wake protocol. A futex wake is a system call, so writers make it only
// when the wake block of the word's segment says that some thread may be
// asleep. Every access below is a sync/atomic operation, and Go's atomics
// are sequentially consistent (on x86 a store is XCHG and an add is LOCK
// XADD, both full barriers), so all of them fall into one total order S,
// across processes too, since they are the same instructions on the same
// physical lines.
//
// Sleeper of a 32-bit word w (waitLoop via WaitUntil32):
//
//	A1  sleepers++                (atomic add)
//	A2  v = load(w); if cond(v): sleepers--, return v
//	A3  futex_wait(w, v)          (kernel: sleep only if still w == v)
//	    goto A2; sleepers-- on the way out
//
// Writer (write32, under every 32-bit write, and Wake32):
//
//	B1  write w                   (atomic store or read-modify-write)
//	B2  if load(sleepers) != 0: futex_wake(w, all)
//
// No lost wake-up: take a sleeper that sleeps at A3 although B1 made its
// condition true.
//   - If B2 precedes A1 in S, then B1 < B2 < A1 < A2, so A2 read the new
//     value and the sleeper would have returned instead of sleeping.
//   - Otherwise B2 sees sleepers >= 1 and wakes. A2 read the old value, so
//     A2 < B1. The kernel checks w == v and queues the sleeper atomically
//     with respect to wakes on w: if the check runs after B1 the word
//     differs and A3 returns at once (EAGAIN); if it runs before B1, the
//     sleeper is queued before B2's wake, which wakes it.
//
// In both cases the sleeper goes round to A2 and sees the new value.
// (A write that stores the value already there changes no condition, so a
// sleeper that stays asleep through it is right.)
//
// 64-bit words: a futex word is 32 bits. Sleeping on the low half would lose
// a wake when a writer changes only the high half between A2 and A3 (the
// kernel's check would still pass). So 64-bit sleepers sleep on the
// generation word of the wake block instead, and a 64-bit writer that sees
// sleepers != 0 bumps the generation before waking it:
//
//	sleeper: A1 sleepers++; A2a g = load(gen); A2b v = load(w), check;
//	         A3 futex_wait(gen, g)
//	writer:  B1 write w; B2 if load(sleepers) != 0 { B3 gen++; B4 wake(gen) }
//
// The same argument holds with gen in the role of w: if B3 < A2a then
// B1 < A2b and the new value is seen; else A3 either finds gen != g or is
// queued before B4. The generation is 32 bits, so a miss would need exactly
// 2^32 bumps between A2a and A3. Every 64-bit write to a segment with a
// sleeper wakes all 64-bit sleepers of that segment; they re-check and
// sleep again, which is cheap next to the precision it buys.

func sleepers(waiters uintptr) *uint32 { return ptrU32(waiters + sleepersOffset) }

func generation(waiters uintptr) *uint32 { return ptrU32(waiters + generationOffset) }

// wake32 is step B2 for the 32-bit word at p.
func wake32(p *int32, waiters uintptr) {
	if atomic.LoadUint32(sleepers(waiters)) != 0 {
		futexWakeAll((*uint32)(unsafe.Pointer(p)))
	}
}

// wake64 is steps B2-B4 for any 64-bit word of the segment.
func wake64(waiters uintptr) {
	if atomic.LoadUint32(sleepers(waiters)) != 0 {
		gen := generation(waiters)
		atomic.AddUint32(gen, 1)
		futexWakeAll(gen)
	}
}

// Wake32 wakes the threads of any process sleeping in WaitUntil32 on the
// 32-bit word at addr, if the wake block says some may be asleep. It is for
// callers that change the word with their own sync/atomic write (the barrier
// bumps one half of a 64-bit word); call it after that write.
func Wake32(addr, waiters uintptr) error {
	p, err := words32(addr, waiters)
	if err != nil {
		return err
	}
	wake32(p, waiters)
	return nil
}

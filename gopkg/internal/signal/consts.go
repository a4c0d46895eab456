package signal

import "time"

// Comparison codes of WaitUntil32 and Wait's callers (SHMEM_CMP_EQ..SHMEM_CMP_LE).
const (
	CmpEQ = 0
	CmpNE = 1
	CmpGT = 2
	CmpGE = 3
	CmpLT = 4
	CmpLE = 5
)

// Signal operations of Update32 (SHMEM_SIGNAL_SET, SHMEM_SIGNAL_ADD).
const (
	SigSet = 0
	SigAdd = 1
)

// WakeBlockSize is the number of bytes of the wake block that every call
// takes as its waiters argument: one per segment, 4-byte aligned, zeroed
// before first use. Layout (native endian uint32s):
//
//	offset 0: sleepers   - how many threads are asleep (or about to sleep) on
//	                       some word of this segment
//	offset 4: generation - bumped by writers when sleepers != 0; the futex
//	                       word every waiter of the segment sleeps on
const WakeBlockSize = 8

const (
	sleepersOffset   = 0
	generationOffset = 4
)

// How long a waiter stays awake before it sleeps. A few PAUSEs catch a
// hand-off from a writer running on another core. Then the waiter yields
// the CPU: on a machine with more PEs than cores the writer is often
// waiting for exactly this core, and a sched_yield hands it over far faster
// than a futex sleep and wake (measured: 8 processes on 2 cores pass a
// barrier in ~10 us this way, ~30-90 us when spinning 5 us first); when
// nothing else is runnable a yield returns in ~0.2 us, so it polls almost as
// fast as spinning. Both phases are bounded (about 40 us of CPU when the
// machine is idle; yielding stops after yieldTimeLimit in any case), after
// which the waiter sleeps on the futex and uses no CPU at all.
const (
	spinIterations  = 8   // PAUSEs, about 25 ns each on current x86
	yieldIterations = 200 // sched_yield calls before the futex, at most
	yieldTimeLimit  = 200 * time.Microsecond
)

// sleepSlice bounds one futex sleep. A sleeper wakes at least this often to
// see a Ctrl-C (package interrupt), a deadline, and stores that bypassed the
// wake protocol; 50 ms keeps Ctrl-C well under the 0.2 s promised and costs
// an idle waiter 20 wake-ups a second (a few microseconds of CPU).
const sleepSlice = 50 * time.Millisecond

package signal

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinTime is how long Wait keeps spinning after its few PAUSEs, before it
// yields: 0 unless SetSpin turned it on. A waiter that yields is often in a
// sched_yield (or descheduled) when the awaited store comes, which costs a
// ping-pong or a barrier of two PEs several times what the hand-off between
// two cores does; spinning catches the store within ~100 ns. It only pays
// when every PE of the host has a CPU of its own: with more PEs than CPUs
// the writer may be waiting for exactly the CPU the spinner holds.
var spinTime atomic.Int64

// spinLong bounds the spin: past it, a waiter yields and then sleeps as
// before, so a long wait still costs no CPU.
const spinLong = 50 * time.Microsecond

// spinCredit is how long the next wait may spin: it doubles (up to
// spinTime) each time a spin caught the store and halves each time it did
// not, so that on a machine busier than its PEs (other jobs on the same
// CPUs) a waiter soon stops holding the CPU the writer is waiting for.
var spinCredit atomic.Int64

// spinFloor is the credit a wait without any earns back: a quiet machine
// spins again after a few waits.
const spinFloor = int64(time.Microsecond)

func spun(caught bool) {
	c := spinCredit.Load()
	if caught {
		spinCredit.Store(min(max(2*c, spinFloor), spinTime.Load()))
	} else if c > spinFloor {
		spinCredit.Store(c / 2)
	} else {
		spinCredit.Store(spinFloor)
	}
}

// SpinsFor reports whether waiters should spin when pes PEs share this host.
func SpinsFor(pes int) bool { return pes >= 1 && pes <= runtime.NumCPU() }

// SetSpin turns the spin phase of every wait in this process on or off
// (the job sets it at start from SpinsFor).
func SetSpin(on bool) {
	RegisterAsymmetric()
	if on {
		spinTime.Store(int64(spinLong))
		spinCredit.Store(int64(spinLong))
	} else {
		spinTime.Store(0)
		spinCredit.Store(0)
	}
}

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

// SpinsFor reports whether waiters should spin when pes PEs share this host.
func SpinsFor(pes int) bool { return pes >= 1 && pes <= runtime.NumCPU() }

// SetSpin turns the spin phase of every wait in this process on or off
// (the job sets it at start from SpinsFor).
func SetSpin(on bool) {
	RegisterAsymmetric()
	if on {
		spinTime.Store(int64(spinLong))
	} else {
		spinTime.Store(0)
	}
}

package barrier

import (
	"runtime"
	"time"
)

// policy is how a participant that is not the last to arrive waits: it
// polls with PAUSE for spin, then polls between sched_yield calls until
// yield has passed, then sleeps in the kernel on the generation word until
// the last arriver's wake (at most sleepSlice at a time, to see Ctrl-C and
// its deadline).
//
// What each phase costs decides the order. Measured on 2 cores (a VM, so a
// wake of a sleeping vCPU goes through the hypervisor), with a microsecond
// of work between barriers:
//   - PEs no more than cores: each PE has a core, the release is seen by a
//     poller within a cache-line transfer (~0.2 us); a yield costs a system
//     call, and a futex sleep and wake 5-10 us. So spin.
//   - More PEs than cores: the PE everyone waits for needs the CPU that a
//     spinning waiter burns; a waiter that yields hands it over at once.
//     Sleeping hands it over too, but one futex sleep and wake per waiter
//     and barrier costs far more than the yields: 4 PEs passed a barrier
//     in 5.5 us yielding and 19-21 us sleeping at once, 8 PEs in 13-14 us
//     against 34-80 us; spinning even 2 us before yielding made it 1.3-1.6x
//     slower. From Python (barrier_all's extension call, 4 and 8 PEs):
//     sleeping at once was 3x slower than yielding, spinning 20 us first
//     2.5-3x; a yield bound from 200 us to 10 ms changed nothing measurable
//     (20 us: 8 PEs 1.7x slower, the early arrivers then sleep).
//
// Yielding is bounded all the same: a PE that waits long (another one
// computes) sleeps and uses no CPU at all, at the price of one wake.
type policy struct {
	spin, yield time.Duration
}

// cpus is how many CPUs this process may run on: its PEs on this host
// beyond that count are oversubscribed.
var cpus = runtime.NumCPU()

// The policies; variables so that tests can drive every wait into a given
// phase.
var (
	// alone's spin covers the arrival skew of PEs that each have a core
	// (a Python call or two); the yields after it let a PE of this barrier
	// that shares a core with an unrelated process run.
	alone = policy{spin: 20 * time.Microsecond, yield: 200 * time.Microsecond}
	// crowded yields at once; a millisecond of yields is a few hundred
	// hand-overs, past which the wait is not a scheduling hiccup.
	crowded = policy{spin: 0, yield: time.Millisecond}
)

func policyFor(n int) policy {
	if n <= cpus {
		return alone
	}
	return crowded
}

// spinCheckEvery is how many PAUSEs pass between two looks at the clock in
// the spin phase (a clock read costs about as much as a few PAUSEs).
const spinCheckEvery = 32

// sleepSlice bounds one futex sleep: a sleeper wakes at least this often to
// see Ctrl-C (package interrupt) and its deadline; 50 ms keeps Ctrl-C well
// under the 0.2 s promised.
const sleepSlice = 50 * time.Millisecond

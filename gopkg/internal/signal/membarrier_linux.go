package signal

import (
	"sync"

	"golang.org/x/sys/unix"
)

// The membarrier(2) commands used here.
const (
	membarrierGlobalExpedited          = 1 << 1
	membarrierRegisterGlobalExpedited  = 1 << 2
	membarrierQuery                    = 0
	membarrierGlobalExpeditedSupported = membarrierGlobalExpedited | membarrierRegisterGlobalExpedited
)

var asym struct {
	once       sync.Once
	registered bool // this process registered for GLOBAL_EXPEDITED: sleepers may use it
}

// RegisterAsymmetric lets writers of this process skip the fence of the wake
// protocol (see AsymmetricFences): it registers the process for membarrier's
// GLOBAL_EXPEDITED command, so that a sleeper on any process of the host can
// make every CPU running this process execute a full barrier. It reports
// whether that is in effect. Idempotent.
func RegisterAsymmetric() bool {
	asym.once.Do(func() {
		r, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, membarrierQuery, 0, 0)
		if errno != 0 || r&membarrierGlobalExpeditedSupported != membarrierGlobalExpeditedSupported {
			return
		}
		_, _, errno = unix.Syscall(unix.SYS_MEMBARRIER, membarrierRegisterGlobalExpedited, 0, 0)
		asym.registered = errno == 0
	})
	return asym.registered
}

// AsymmetricFences reports whether RegisterAsymmetric succeeded.
func AsymmetricFences() bool {
	RegisterAsymmetric()
	return asym.registered
}

// sleeperFence is the sleeper's half of the asymmetric wake protocol, run
// once after A1 (the sleeper count went up) and before A2: every CPU running
// a registered process executes a full barrier before it returns. A writer
// that stored (B1) and then read the sleeper count (B2) without a fence in
// between either had its store drained by that barrier, so A2b sees it, or
// reads the count after the barrier, so B2 sees the sleeper. Writers that
// did not register keep their own fence (WakeStores), so the command is only
// needed when this process registered: all PEs of a host run the same kernel
// and library, so they all did or none did. A sleeper pays it once per
// sleep, after tens of microseconds of spinning and yielding.
func sleeperFence() {
	if asym.registered {
		_, _, _ = unix.Syscall(unix.SYS_MEMBARRIER, membarrierGlobalExpedited, 0, 0)
	}
}

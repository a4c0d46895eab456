package barrier

import (
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Futex operations. FUTEX_PRIVATE_FLAG is deliberately absent: the barrier
// word is in a page other processes map, and only shared futexes are keyed
// on the page, so that a wake in one process reaches a sleeper in another.
const (
	futexWaitOp = 0 // FUTEX_WAIT
	futexWakeOp = 1 // FUTEX_WAKE
)

// sleeps and wakes count this process's futex waits and wakes: tests see
// with them which phase a wait reached and that a release without sleepers
// stays out of the kernel.
var sleeps, wakes atomic.Uint64

// futexWait sleeps while *word == expected, for at most timeout (> 0). It
// returns on a wake, a signal, a timeout, or at once when the word already
// differs; the caller re-checks in every case.
func futexWait(word *uint32, expected uint32, timeout time.Duration) {
	sleeps.Add(1)
	ts := unix.NsecToTimespec(int64(timeout))
	// Errors (EAGAIN, EINTR, ETIMEDOUT) all mean "look again".
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		futexWaitOp, uintptr(expected), uintptr(unsafe.Pointer(&ts)), 0, 0)
}

// futexWakeAll wakes every thread sleeping on word, in any process.
func futexWakeAll(word *uint32) {
	wakes.Add(1)
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		futexWakeOp, math.MaxInt32, 0, 0, 0)
}

// osYield gives the CPU to another runnable thread, of any process, if
// there is one; it returns at once otherwise.
func osYield() {
	_, _, _ = unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
}

package signal

import (
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Futex operations. FUTEX_PRIVATE_FLAG is deliberately absent: the words are
// in pages that other processes map, and only shared futexes are keyed on the
// page (inode, offset) so that a wake in one process reaches a sleeper in
// another.
const (
	futexWaitOp = 0 // FUTEX_WAIT
	futexWakeOp = 1 // FUTEX_WAKE
)

// wakeCalls and sleepCalls count the futex wakes and waits of this
// process; tests use them to see which path a wait or write took.
var wakeCalls, sleepCalls atomic.Uint64

// futexWait sleeps while *word == expected, for at most timeout (0 means no
// limit). It returns on a wake, a signal, a timeout, or at once when the word
// already differs; the caller re-checks its condition in every case.
func futexWait(word *uint32, expected uint32, timeout time.Duration) {
	sleepCalls.Add(1)
	var tsp unsafe.Pointer
	if timeout > 0 {
		ts := unix.NsecToTimespec(int64(timeout))
		tsp = unsafe.Pointer(&ts)
	}
	// Errors (EAGAIN, EINTR, ETIMEDOUT) all mean "look again".
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		futexWaitOp, uintptr(expected), uintptr(tsp), 0, 0)
}

// futexWakeAll wakes every thread sleeping on word, in any process.
func futexWakeAll(word *uint32) {
	wakeCalls.Add(1)
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		futexWakeOp, math.MaxInt32, 0, 0, 0)
}

// osYield gives the CPU to another runnable thread of any process.
func osYield() {
	_, _, _ = unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
}

package futex

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
	waitOp = 0 // FUTEX_WAIT
	wakeOp = 1 // FUTEX_WAKE
)

var sleeps, wakes atomic.Uint64

// Sleeps is how many futex waits this process has made.
func Sleeps() uint64 { return sleeps.Load() }

// Wakes is how many futex wakes this process has made.
func Wakes() uint64 { return wakes.Load() }

// Wait sleeps while *word == expected, for at most timeout (0: no limit). It
// returns on a wake, a signal, a timeout, or at once when the word already
// differs; the caller re-checks its condition in every case.
func Wait(word *uint32, expected uint32, timeout time.Duration) {
	sleeps.Add(1)
	var tsp unsafe.Pointer
	if timeout > 0 {
		ts := unix.NsecToTimespec(int64(timeout))
		tsp = unsafe.Pointer(&ts)
	}
	// Errors (EAGAIN, EINTR, ETIMEDOUT) all mean "look again".
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		waitOp, uintptr(expected), uintptr(tsp), 0, 0)
}

// WakeAll wakes every thread sleeping on word, in any process.
func WakeAll(word *uint32) {
	wakes.Add(1)
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)),
		wakeOp, math.MaxInt32, 0, 0, 0)
}

// Yield gives the CPU to another runnable thread, of any process, if there
// is one; it returns at once otherwise.
func Yield() {
	_, _, _ = unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
}

package signal

import (
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Update32 applies a signal operation to the 32-bit signal word at addr:
// SigSet stores value, SigAdd adds it atomically. Sleepers on the word are
// woken. waiters is the wake block of the word's segment.
func Update32(addr, waiters uintptr, op int, value int32) error {
	switch op {
	case SigSet:
		return Set32(addr, waiters, value)
	case SigAdd:
		return Add32(addr, waiters, value)
	}
	return errcode.New(errcode.InvalidParam, "unknown signal operation %d (want %d or %d)", op, SigSet, SigAdd)
}

// Fetch32 atomically loads the 32-bit word at addr. addr must be a mapped,
// 4-byte aligned address (see CheckAligned32); callers validate it.
func Fetch32(addr uintptr) int32 { return atomic.LoadInt32(ptr32(addr)) }

// Fetch64 atomically loads the 64-bit word at addr. addr must be a mapped,
// 8-byte aligned address (see CheckAligned64); callers validate it.
func Fetch64(addr uintptr) int64 { return atomic.LoadInt64(ptr64(addr)) }

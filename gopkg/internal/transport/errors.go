package transport

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// The errors every engine reports alike. The constructors run only on
// failure; the hot path never builds an error.

// ErrClosed is what every call after Close returns. Engines build it once
// into a variable, so that rejecting a call allocates nothing.
func ErrClosed(engine string) error {
	return errcode.New(errcode.NotInited, "%s engine is closed", engine)
}

// ErrNoSuchPE: pe is not a PE of the job.
func ErrNoSuchPE(pe, npes int) error {
	return errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, npes)
}

// ErrOutsideHeap: [off, off+n) does not lie inside PE pe's heap.
func ErrOutsideHeap(pe int, off, n, heapSize uintptr) error {
	return errcode.New(errcode.InvalidParam,
		"range [%#x, %#x + %d bytes) is outside PE %d's symmetric heap of %d bytes", off, off, n, pe, heapSize)
}

// ErrLocalWraps: the local range wraps around the address space.
func ErrLocalWraps(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local range %#x + %d bytes wraps around the address space", local, n)
}

// ErrMisaligned: a word's offset is not a multiple of its width.
func ErrMisaligned(pe int, off uintptr, width int) error {
	return errcode.New(errcode.InvalidParam, "offset %#x on PE %d is not %d-byte aligned", off, pe, width)
}

// ErrBadChunkSize: a chunk size of 0.
func ErrBadChunkSize() error {
	return errcode.New(errcode.InvalidValue, "chunk size must be positive")
}

// ErrBadSignalOp: neither SigSet nor SigAdd.
func ErrBadSignalOp(op int) error {
	return errcode.New(errcode.InvalidParam, "unknown signal operation %d (want %d or %d)", op, signal.SigSet, signal.SigAdd)
}

// ErrBadAtomic: an unknown atomic operation or width.
func ErrBadAtomic(op, width int) error {
	return errcode.New(errcode.InvalidParam, "atomic operation %d of width %d: want operation %d..%d and width 4 or 8",
		op, width, signal.AmoFetch, signal.AmoAdd)
}

// ErrAtomicValue: an operand of a 32-bit atomic that does not fit 32 bits.
func ErrAtomicValue(v int64) error {
	return errcode.New(errcode.InvalidValue, "value %d does not fit a 32-bit word", v)
}

// ErrUnreachable: pe's heap is not mapped here, and no network engine runs.
func ErrUnreachable(pe int) error {
	return errcode.New(errcode.NotSupported, "PE %d is not load/store reachable", pe)
}

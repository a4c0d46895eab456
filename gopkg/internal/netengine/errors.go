package netengine

import (
	"fmt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// errClosed is shared so the rejection of calls after Close allocates nothing.
var errClosed error = errcode.New(errcode.NotInited, "network engine is closed")

// The constructors below run only on failure; the hot path never builds an error.

func errNoSuchPE(pe, npes int) error {
	return errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, npes)
}

func errNotConnected(pe int) error {
	return errcode.New(errcode.NotSupported, "PE %d is not reached through the network engine", pe)
}

func errOutsideHeap(pe int, off, n, heapSize uintptr) error {
	return errcode.New(errcode.InvalidParam,
		"range [%#x, %#x + %d bytes) is outside PE %d's symmetric heap of %d bytes", off, off, n, pe, heapSize)
}

func errMisaligned(pe int, off uintptr, width int) error {
	return errcode.New(errcode.InvalidParam, "offset %#x on PE %d is not %d-byte aligned", off, pe, width)
}

func errLocalWraps(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local range %#x + %d bytes wraps around the address space", local, n)
}

func errNotReadable(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not readable (%d bytes)", local, n)
}

func errNotWritable(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not writable (%d bytes)", local, n)
}

func errBadSignalOp(op int) error {
	return errcode.New(errcode.InvalidParam, "unknown signal operation %d (want %d or %d)", op, signal.SigSet, signal.SigAdd)
}

func errBadAtomic(op, width int) error {
	return errcode.New(errcode.InvalidParam, "atomic operation %d of width %d: want operation %d..%d and width 4 or 8",
		op, width, AtomicFetch, AtomicAdd)
}

func errAtomicValue(v int64) error {
	return errcode.New(errcode.InvalidValue, "value %d does not fit a 32-bit word", v)
}

func errBadChunkSize() error {
	return errcode.New(errcode.InvalidValue, "chunk size must be positive")
}

func errPeerLost(pe int, cause error) error {
	return errcode.New(errcode.BootstrapError, "PE %d: connection lost: %v", pe, cause)
}

func errRemote(pe int, code int32, msg string) error {
	c := int(code)
	if c >= 0 {
		c = errcode.InnerError
	}
	return errcode.New(c, "PE %d: %s", pe, msg)
}

func errProtocol(pe int, format string, args ...any) error {
	return errPeerLost(pe, fmt.Errorf("protocol violation: %s", fmt.Sprintf(format, args...)))
}

package engine

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// errClosed is shared so the rejection of calls after Close allocates nothing.
var errClosed error = errcode.New(errcode.NotInited, "data engine is closed")

// The constructors below run only on failure; the hot path never builds an error.

func errNoSuchPE(pe, npes int) error {
	return errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, npes)
}

func errUnreachable(pe int) error {
	return errcode.New(errcode.NotSupported, "PE %d is not load/store reachable", pe)
}

func errOutsideHeap(pe int, off, n, heapSize uintptr) error {
	return errcode.New(errcode.InvalidParam,
		"range [%#x, %#x + %d bytes) is outside PE %d's symmetric heap of %d bytes", off, off, n, pe, heapSize)
}

func errLocalWraps(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam,
		"local range %#x + %d bytes wraps around the address space", local, n)
}

func errLocalFault(dir direction, local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not %s (%d bytes)", local, dir.localAccess(), n)
}

func errRemoteFault(pe int, off uintptr) error {
	return errcode.New(errcode.SmemError, "PE %d's heap is not accessible at offset %#x", pe, off)
}

func errBadChunkSize() error {
	return errcode.New(errcode.InvalidValue, "chunk size must be positive")
}

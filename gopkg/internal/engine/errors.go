package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// errClosed is shared so the rejection of calls after Close allocates nothing.
var errClosed = transport.ErrClosed("data")

// The constructors below run only on failure; the hot path never builds an
// error. The errors every engine shares are package transport's.

func errLocalFault(dir direction, local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not %s (%d bytes)", local, dir.localAccess(), n)
}

func errRemoteFault(pe int, off uintptr) error {
	return errcode.New(errcode.SmemError, "PE %d's heap is not accessible at offset %#x", pe, off)
}

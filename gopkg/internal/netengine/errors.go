package netengine

import (
	"fmt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// errClosed is shared so the rejection of calls after Close allocates nothing.
var errClosed = transport.ErrClosed("network")

// The constructors below run only on failure; the hot path never builds an
// error. The errors every engine shares are package transport's.
var (
	errNoSuchPE    = transport.ErrNoSuchPE
	errOutsideHeap = transport.ErrOutsideHeap
	errMisaligned  = transport.ErrMisaligned
	errLocalWraps  = transport.ErrLocalWraps
)

func errNotConnected(pe int) error {
	return errcode.New(errcode.NotSupported, "PE %d is not reached through the network engine", pe)
}

func errNotReadable(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not readable (%d bytes)", local, n)
}

func errNotWritable(local, n uintptr) error {
	return errcode.New(errcode.InvalidParam, "local address %#x is not writable (%d bytes)", local, n)
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

package transporttest

import (
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Fixture is one Transport under test, reaching PE PE of a job of NPEs PEs,
// and that PE's user heap as mapped in this process, to see what landed.
type Fixture struct {
	T     transport.Transport
	PE    int
	NPEs  int
	Heap  []byte
	Chunk uintptr // the chunk size T was configured with (small, so transfers span chunks)
	// Kill marks PE dead in the liveness the transport consults; nil when
	// the transport does not consult one (the network engine alone, which
	// learns of deaths from its connections).
	Kill func()
}

// Open builds a fresh fixture; it registers its own cleanup with t.
type Open func(t *testing.T) Fixture

// Map returns n bytes of anonymous shared memory, unmapped at the end of the
// test: heaps and local buffers live outside Go's heap, as in a job.
func Map(t testing.TB, n uintptr) []byte {
	m, err := unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Munmap(m) })
	return m
}

// Addr is the address of b's first byte.
func Addr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

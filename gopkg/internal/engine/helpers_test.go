package engine

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// engineKind names a constructor so every behaviour is tested on both engines.
type engineKind struct {
	name string
	open func(Config) (Transport, error)
}

var engineKinds = []engineKind{
	{"direct", NewDirect},
	{"copyengine", NewCopyEngine},
}

// simHeaps stands in for the heaps of npes PEs mapped into this process.
type simHeaps struct {
	mem   [][]byte
	bases []uintptr
	size  uintptr
}

// config is the engine configuration of these heaps, with a liveness set in
// which every PE is alive, as the job gives it: tests and benchmarks run the
// same checks as production.
func (h *simHeaps) config() Config {
	return Config{Bases: append([]uintptr(nil), h.bases...), HeapSize: h.size, Live: liveness.New(len(h.bases))}
}

// at is the bytes [off, off+n) of PE pe's heap.
func (h *simHeaps) at(pe int, off, n uintptr) []byte {
	return h.mem[pe][off : off+n]
}

// mmapHeaps maps one shared anonymous segment per PE, as the heap layer does.
func mmapHeaps(t testing.TB, npes int, size uintptr) *simHeaps {
	h := &simHeaps{size: size}
	for range npes {
		m := mmapBytes(t, size)
		h.mem = append(h.mem, m)
		h.bases = append(h.bases, addrOf(m))
	}
	return h
}

// goHeaps uses Go-allocated buffers, so the race detector sees the copies.
func goHeaps(t testing.TB, npes int, size uintptr) *simHeaps {
	h := &simHeaps{size: size}
	for range npes {
		m := make([]byte, size)
		h.mem = append(h.mem, m)
		h.bases = append(h.bases, addrOf(m))
	}
	t.Cleanup(func() { runtime.KeepAlive(h.mem) })
	return h
}

func mmapBytes(t testing.TB, n uintptr) []byte {
	m, err := unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	return m
}

// unmappedAddress returns the address of pages that were mapped and are not
// any more: touching it faults at a non-nil address. Something else may map
// the range later, so tests only read from it; writes go to noAccessAddress.
func unmappedAddress(t testing.TB, n int) uintptr {
	m, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	addr := addrOf(m)
	require.NoError(t, unix.Munmap(m))
	return addr
}

// noAccessAddress maps n bytes that can be neither read nor written; the
// mapping stays, so nothing else can appear there during the test.
func noAccessAddress(t testing.TB, n int) uintptr {
	m, err := unix.Mmap(-1, 0, n, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	return addrOf(m)
}

// readOnlyBytes maps n readable, unwritable bytes.
func readOnlyBytes(t testing.TB, n int) []byte {
	m, err := unix.Mmap(-1, 0, n, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	return m
}

func addrOf(b []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}

// randomBytes is a reproducible pattern; tests copy windows of it so that
// every transfer carries different data.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	_, _ = r.Read(b)
	return b
}

// requireCode checks err carries code and a message containing text.
func requireCode(t testing.TB, err error, code int, text string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, errcode.CodeOf(err), "error %q", err)
	require.Contains(t, err.Error(), text)
}

func openEngine(t testing.TB, kind engineKind, cfg Config) Transport {
	t.Helper()
	tr, err := kind.open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

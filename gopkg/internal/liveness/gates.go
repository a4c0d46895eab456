package liveness

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// gates are the flags the Python facade reads before it copies to or from a
// peer's mapped heap by itself, without calling the runtime (its fast path
// for small same-host transfers): gate[pe] is 1 while pe may be touched that
// way, 0 once pe is known dead or the job is closing. They are native-endian
// uint32s in memory of their own, mapped once per job and never unmapped or
// reused, so a Python view of them stays readable after the job (and this
// Set) is gone and reads 0 forever: the facade then falls back on the
// runtime, which reports the error. A page per init is the price.
type gates struct {
	words []atomic.Uint32
	addr  uintptr
}

func newGates(n int) gates {
	if n <= 0 {
		return gates{}
	}
	page := unix.Getpagesize()
	m, err := unix.Mmap(-1, 0, (n*4+page-1)/page*page, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return gates{} // no gates: the facade never takes its fast path
	}
	addr := uintptr(unsafe.Pointer(&m[0]))
	g := gates{words: unsafe.Slice((*atomic.Uint32)(unsafe.Pointer(&m[0])), n), addr: addr}
	for i := range g.words {
		g.words[i].Store(1)
	}
	return g
}

// GateAddr is the address of the gate words (one uint32 per PE), 0 when
// there are none. The memory stays mapped for the life of the process.
func (s *Set) GateAddr() uintptr {
	if s == nil {
		return 0
	}
	return s.gates.addr
}

// Close shuts every gate: from now on the facade's fast path calls the
// runtime, which knows the job is gone. Called first thing at teardown,
// before any heap is retired; closing twice is harmless.
func (s *Set) Close() {
	if s == nil {
		return
	}
	for i := range s.gates.words {
		s.gates.words[i].Store(0)
	}
}

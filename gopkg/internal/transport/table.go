package transport

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// TableConfig is what the job learnt at init about every PE's heap.
type TableConfig struct {
	// Bases[pe] is where PE pe's user heap is mapped in this process; 0 when
	// it is not (another host, or a heap this process could not map): such a
	// PE is reached through the network engine.
	Bases []uintptr
	// Wakes[pe] is the wake block (package signal) of PE pe's segment as
	// mapped here: after a put or an atomic lands, its sleepers are woken
	// through it. nil, or a 0 entry, wakes nobody after a put; signals and
	// atomics need it (they are refused with InvalidParam without one).
	Wakes    []uintptr
	HeapSize uintptr // usable bytes of every PE's user heap (the same on all)
	// Live says which PEs have died; nil: every PE is taken to be alive.
	Live *liveness.Set
}

// Table is the one answer to "how is PE pe reached from here": its heap
// mapped at an address of this process (load/store), or the network; and
// whether it is still alive. It is built once at init and read-only after,
// except for liveness, which only ever goes from alive to dead. Every data
// path (RMA, signals, atomics, strided, point-to-point) consults it.
type Table struct {
	bases []uintptr
	wakes []uintptr
	size  uintptr
	live  *liveness.Set
}

// minHeapAddress is the lowest address a mapped heap can have: the page at
// 0 is never mapped, and addresses below it are not pointers.
const minHeapAddress = 4096

// NewTable checks cfg and builds the table. The slices are copied, so the
// caller changing them later cannot redirect a copy.
func NewTable(cfg TableConfig) (*Table, error) {
	if len(cfg.Bases) == 0 {
		return nil, errcode.New(errcode.InvalidParam, "engine config has no PEs")
	}
	if cfg.HeapSize == 0 {
		return nil, errcode.New(errcode.InvalidParam, "engine config has a heap size of 0")
	}
	for pe, base := range cfg.Bases {
		if base == 0 {
			continue
		}
		if base < minHeapAddress || base+cfg.HeapSize < base {
			return nil, errcode.New(errcode.InvalidParam,
				"PE %d's heap at %#x (%d bytes) is not a valid address range", pe, base, cfg.HeapSize)
		}
	}
	if cfg.Wakes != nil && len(cfg.Wakes) != len(cfg.Bases) {
		return nil, errcode.New(errcode.InvalidParam, "engine config has %d wake blocks for %d PEs",
			len(cfg.Wakes), len(cfg.Bases))
	}
	wakes := make([]uintptr, len(cfg.Bases))
	copy(wakes, cfg.Wakes)
	return &Table{bases: append([]uintptr(nil), cfg.Bases...), wakes: wakes, size: cfg.HeapSize, live: cfg.Live}, nil
}

// NPEs is the number of PEs of the job.
func (t *Table) NPEs() int { return len(t.bases) }

// HeapSize is the usable size of every PE's user heap.
func (t *Table) HeapSize() uintptr { return t.size }

// Live is the job's liveness set (nil: nobody is known dead).
func (t *Table) Live() *liveness.Set { return t.live }

// Remote reports whether pe is a PE of the job reached through the network.
func (t *Table) Remote(pe int) bool { return uint(pe) < uint(len(t.bases)) && t.bases[pe] == 0 }

// Mapped reports whether pe is a PE of the job whose heap is mapped here.
func (t *Table) Mapped(pe int) bool { return uint(pe) < uint(len(t.bases)) && t.bases[pe] != 0 }

// AllMapped reports whether every PE is mapped here: the job needs no
// network engine.
func (t *Table) AllMapped() bool {
	for _, b := range t.bases {
		if b == 0 {
			return false
		}
	}
	return true
}

// RemotePEs is Remote of every PE, for the network engine's Connect.
func (t *Table) RemotePEs() []bool {
	r := make([]bool, len(t.bases))
	for pe, b := range t.bases {
		r[pe] = b == 0
	}
	return r
}

// Base is where pe's user heap is mapped here; 0 when it is not (or pe is
// no PE of the job).
func (t *Table) Base(pe int) uintptr {
	if uint(pe) >= uint(len(t.bases)) {
		return 0
	}
	return t.bases[pe]
}

// Wake is the wake block of pe's segment as mapped here; 0 when none.
func (t *Table) Wake(pe int) uintptr {
	if uint(pe) >= uint(len(t.wakes)) {
		return 0
	}
	return t.wakes[pe]
}

// Lost is the first PE of the job known dead, -1 while none is: a wait for
// a store that a dead PE may have owed gives up when it is not -1.
func (t *Table) Lost() int { return t.live.First() }

// Check is nil when pe is a PE of the job that is not known dead.
func (t *Table) Check(pe int) error {
	if uint(pe) >= uint(len(t.bases)) {
		return ErrNoSuchPE(pe, len(t.bases))
	}
	return t.live.Check(pe)
}

// Addr returns the address here of bytes [off, off+n) of PE pe's heap, or
// the error saying why that range cannot be reached by load/store: no such
// PE, a PE not mapped here, a dead PE, a range outside the heap. It is the
// hot path of every same-host call: bounds checks and one atomic load.
func (t *Table) Addr(pe int, off, n uintptr) (uintptr, error) {
	if uint(pe) >= uint(len(t.bases)) {
		return 0, ErrNoSuchPE(pe, len(t.bases))
	}
	base := t.bases[pe]
	if base == 0 {
		return 0, ErrUnreachable(pe)
	}
	if err := t.live.Check(pe); err != nil {
		return 0, err
	}
	// Written so that neither side can overflow: n <= size, then off <= size-n.
	if n > t.size || off > t.size-n {
		return 0, ErrOutsideHeap(pe, off, n, t.size)
	}
	return base + off, nil
}

// Contains reports whether [addr, addr+n) lies inside one heap mapped here.
func (t *Table) Contains(addr, n uintptr) bool {
	for _, base := range t.bases {
		if base != 0 && addr >= base && addr-base < t.size && n <= t.size-(addr-base) {
			return true
		}
	}
	return false
}

// Woken tells the sleepers of PE pe that its heap changed: one load of the
// sleeper count when nobody sleeps (signal.WakeStores).
func (t *Table) Woken(pe int) {
	if uint(pe) < uint(len(t.wakes)) {
		signal.WakeStores(t.wakes[pe])
	}
}

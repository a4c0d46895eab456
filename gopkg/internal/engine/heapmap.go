package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// heapMap is the job's heaps as mapped into this process.
type heapMap struct {
	bases   []uintptr
	wakes   []uintptr // wake blocks, per PE (may be empty)
	size    uintptr
	trusted bool // see Config.TrustHeaps
	live    *liveness.Set
}

// trusts reports whether [addr, addr+n) lies inside one trusted heap mapping,
// so a copy there cannot fault.
func (h *heapMap) trusts(addr, n uintptr) bool {
	if !h.trusted {
		return false
	}
	for _, base := range h.bases {
		if base != 0 && addr >= base && addr-base < h.size && n <= h.size-(addr-base) {
			return true
		}
	}
	return false
}

// remote returns the address here of bytes [off, off+n) of PE pe's heap, or
// the error saying why that range cannot be reached by load/store.
func (h *heapMap) remote(pe int, off, n uintptr) (uintptr, error) {
	if uint(pe) >= uint(len(h.bases)) {
		return 0, errNoSuchPE(pe, len(h.bases))
	}
	base := h.bases[pe]
	if base == 0 {
		return 0, errUnreachable(pe)
	}
	if err := h.live.Check(pe); err != nil {
		return 0, err
	}
	// Written so that neither side can overflow: n <= size, then off <= size-n.
	if n > h.size || off > h.size-n {
		return 0, errOutsideHeap(pe, off, n, h.size)
	}
	return base + off, nil
}

// woken tells the sleepers of PE pe that a put changed its heap: one load of
// the sleeper count when nobody sleeps (signal.WakeStores).
func (h *heapMap) woken(pe int) {
	if uint(pe) < uint(len(h.wakes)) {
		signal.WakeStores(h.wakes[pe])
	}
}

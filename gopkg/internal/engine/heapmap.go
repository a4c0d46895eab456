package engine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

// heapMap is the job's heaps as mapped into this process: the job's
// reachability table, and whether large copies may skip probing them.
type heapMap struct {
	table   *transport.Table
	trusted bool // see Config.TrustHeaps
}

// trusts reports whether [addr, addr+n) lies inside one trusted heap mapping,
// so a copy there cannot fault.
func (h *heapMap) trusts(addr, n uintptr) bool {
	return h.trusted && h.table.Contains(addr, n)
}

// remote returns the address here of bytes [off, off+n) of PE pe's heap, or
// the error saying why that range cannot be reached by load/store.
func (h *heapMap) remote(pe int, off, n uintptr) (uintptr, error) {
	return h.table.Addr(pe, off, n)
}

// live is nil while pe is alive.
func (h *heapMap) live(pe int) error { return h.table.Live().Check(pe) }

// woken tells the sleepers of PE pe that a put changed its heap.
func (h *heapMap) woken(pe int) { h.table.Woken(pe) }

// atomic applies a checked atomic to the word at off of PE pe's heap.
func (h *heapMap) atomic(pe, op, width int, off uintptr, operand, cond int64) (int64, error) {
	if err := transport.CheckAtomic(pe, op, width, off, operand, cond, h.table.HeapSize()); err != nil {
		return 0, err
	}
	addr, err := h.table.Addr(pe, off, uintptr(width))
	if err != nil {
		return 0, err
	}
	return transport.ApplyAtomic(op, width, addr, h.table.Wake(pe), operand, cond)
}

// Package symalloc is the collective allocator of the symmetric heaps: the
// agreement protocol behind shmem_malloc and shmem_free, by which every PE
// makes the same call in the same order and gets the same offset, over this
// PE's DEVICE_SIDE heap and, when it has one, its HOST_SIDE heap.
//
// Every PE runs the same deterministic allocator (package heap) on the same
// sequence of agreed calls, so no offset ever travels: only the calls are
// exchanged, to make sure they are the same everywhere. Everything the
// package needs of the job comes in through Exchanger and New's arguments,
// so it is tested against a fake rendezvous.
package symalloc

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/native"
)

// minAlign is the smallest block alignment: a copy whose destination sits a
// few bytes off its source modulo 64 runs many times slower on these CPUs.
const minAlign = 64

// Exchanger is the rendezvous' allgather (bootstrap.Session): every PE
// passes its data and gets every PE's, in PE order.
type Exchanger interface {
	Allgather(group string, members []int, data []byte) ([][]byte, error)
}

// Heaps is this PE's symmetric heaps as one collective allocator. Its
// methods are safe for concurrent use; Malloc and Free are collective and
// must be called in the same order on every PE.
type Heaps struct {
	ex      Exchanger
	rank    int
	base    uintptr // where this PE's user area (both heaps) is mapped
	regions heap.Regions
	// barrier waits for every PE (with the job's transfers complete): a
	// cleared block must be clear everywhere before any PE uses it.
	barrier func() error

	mu   sync.Mutex
	dev  *heap.Allocator // the DEVICE_SIDE heap, at user offset 0
	host *heap.Allocator // the HOST_SIDE heap, offsets relative to regions.HostOffset; nil: none
}

// New is the allocator of this PE (rank) whose user area, laid out as
// regions, is mapped at base. barrier is the job's barrier over every PE.
func New(ex Exchanger, rank int, base uintptr, regions heap.Regions, barrier func() error) *Heaps {
	h := &Heaps{ex: ex, rank: rank, base: base, regions: regions, barrier: barrier,
		dev: heap.NewAllocator(regions.DeviceSize)}
	if regions.HostSize > 0 {
		h.host = heap.NewAllocator(regions.HostSize)
	}
	return h
}

// call is one PE's side of a collective malloc or free. Every PE sends
// it whatever it was given, valid or not, so that a PE with a bad argument
// still meets the others: they all fail together instead of one PE skipping
// the exchange and pairing its next call with the others' current one.
type call struct {
	kind  byte // 'm' malloc (device-side heap), 'h' malloc in the host-side heap, 'f' free
	size  int64
	align int64
	off   int64 // free: offset of the block
	bad   string
}

const callSize = 25

func (c call) encode() []byte {
	b := make([]byte, callSize, callSize+len(c.bad))
	b[0] = c.kind
	binary.LittleEndian.PutUint64(b[1:], uint64(c.size))
	binary.LittleEndian.PutUint64(b[9:], uint64(c.align))
	binary.LittleEndian.PutUint64(b[17:], uint64(c.off))
	return append(b, c.bad...)
}

func decodeCall(b []byte) (call, bool) {
	if len(b) < callSize {
		return call{}, false
	}
	return call{kind: b[0], size: int64(binary.LittleEndian.Uint64(b[1:])),
		align: int64(binary.LittleEndian.Uint64(b[9:])), off: int64(binary.LittleEndian.Uint64(b[17:])),
		bad: string(b[callSize:])}, true
}

func (c call) describe() string {
	if c.kind == 'f' {
		return fmt.Sprintf("free of the block at offset %d", c.off)
	}
	heapName := "device-side"
	if c.kind == 'h' {
		heapName = "host-side"
	}
	return fmt.Sprintf("%d bytes aligned to %d in the %s heap", c.size, c.align, heapName)
}

// agree exchanges this PE's call with every PE and fails on all of them
// when any PE's call is bad or differs from this one. A bad argument is
// reported before any difference, so that every PE, the one that passed it
// too, names the same cause.
func (h *Heaps) agree(mine call) error {
	all, err := h.ex.Allgather("heap", nil, mine.encode())
	if err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "heap agreement")
	}
	calls := make([]call, len(all))
	for pe, raw := range all {
		var ok bool
		if calls[pe], ok = decodeCall(raw); !ok {
			return errcode.New(errcode.InnerError, "PE %d sent an unreadable heap request", pe)
		}
	}
	for pe, other := range calls {
		if other.bad != "" {
			return errcode.New(errcode.InvalidParam, "PE %d: %s", pe, other.bad)
		}
	}
	for pe, other := range calls {
		if other.kind != mine.kind || other.size != mine.size || other.align != mine.align || other.off != mine.off {
			return errcode.New(errcode.InvalidParam, "PEs made different calls: PE %d asked for %s, PE %d for %s",
				h.rank, mine.describe(), pe, other.describe())
		}
	}
	return nil
}

// Malloc is the collective allocation behind shmem_malloc/calloc/align in
// the heap of memory type memType (heap.HostSide or heap.DeviceSide). Every
// PE passes the same arguments in the same order and gets the same offset.
// When any PE's arguments are bad, the PEs disagree or the heap is full,
// every PE gets 0 and the error says why. alignment 0 means the default;
// zero asks for the block to be cleared on every PE before any PE returns.
func (h *Heaps) Malloc(memType int, size, alignment int64, zero bool) (uintptr, error) {
	c := call{kind: 'm', size: size, align: max(alignment, minAlign)}
	regionOff, _, haveHeap := h.regions.Of(memType)
	if memType == heap.HostSide {
		c.kind = 'h'
	}
	switch {
	case memType != heap.HostSide && memType != heap.DeviceSide:
		c.bad = fmt.Sprintf("mem_type %d is neither HOST_SIDE (0) nor DEVICE_SIDE (1)", memType)
	case !haveHeap:
		c.bad = "there is no host-side heap (its size is 0: set SHMEM_HOST_MEM_SIZE before init)"
	case size < 0:
		c.bad = fmt.Sprintf("size %d is negative", size)
	case alignment < 0 || alignment&(alignment-1) != 0:
		c.bad = fmt.Sprintf("alignment %d is not a power of two", alignment)
	}
	if err := h.agree(c); err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, nil
	}
	h.mu.Lock()
	off, err := h.allocatorOf(memType).Alloc(uintptr(size), uintptr(c.align))
	h.mu.Unlock()
	if err != nil {
		return 0, err
	}
	off += regionOff
	if zero {
		clear(native.View(h.base+off, uintptr(size)))
		if err := h.barrier(); err != nil {
			return 0, err
		}
	}
	return h.base + off, nil
}

// Free is the collective shmem_free; 0 frees nothing. A pointer that Malloc
// did not return, a double free, or PEs freeing different blocks raise an
// error on every PE and free nothing.
func (h *Heaps) Free(addr uintptr) error {
	c := call{kind: 'f', off: -1}
	if addr != 0 {
		off, ok := h.Offset(addr, 1)
		if _, isBlock := h.blockSize(off); !ok || !isBlock {
			c.bad = fmt.Sprintf("0x%x is not a block from shmem_malloc (never allocated, already freed, or inside a block)", addr)
		}
		c.off = int64(off)
	}
	if err := h.agree(c); err != nil {
		return err
	}
	if addr == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	a, rel := h.allocatorAt(uintptr(c.off))
	return a.Free(rel)
}

// BlockSize is the size of the live block at addr, 0 when addr is no block.
func (h *Heaps) BlockSize(addr uintptr) uintptr {
	off, ok := h.Offset(addr, 1)
	if !ok {
		return 0
	}
	n, _ := h.blockSize(off)
	return n
}

func (h *Heaps) blockSize(off uintptr) (uintptr, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, rel := h.allocatorAt(off)
	return a.BlockSize(rel)
}

func (h *Heaps) allocatorOf(memType int) *heap.Allocator {
	if memType == heap.HostSide {
		return h.host
	}
	return h.dev
}

// allocatorAt returns the allocator of the heap holding user offset off and
// off relative to that heap.
func (h *Heaps) allocatorAt(off uintptr) (*heap.Allocator, uintptr) {
	if h.regions.TypeAt(off) == heap.HostSide {
		return h.host, off - h.regions.HostOffset
	}
	return h.dev, off
}

// Base is the address of this PE's heap of memory type memType, 0 when
// there is no such heap.
func (h *Heaps) Base(memType int) uintptr {
	off, _, ok := h.regions.Of(memType)
	if !ok {
		return 0
	}
	return h.base + off
}

// MemTypeOf is the memory type of the heap holding symmetric address addr,
// -1 when addr is not in this PE's heaps.
func (h *Heaps) MemTypeOf(addr uintptr) int {
	off, ok := h.Offset(addr, 1)
	if !ok {
		return -1
	}
	return h.regions.TypeAt(off)
}

// Offset turns an address in this PE's user area into its offset, when
// [addr, addr+n) lies inside one heap. Every RMA call passes here: it stays
// free of locks and allocations.
func (h *Heaps) Offset(addr, n uintptr) (uintptr, bool) {
	if addr < h.base || !h.Contains(addr-h.base, n) {
		return 0, false
	}
	return addr - h.base, true
}

// Contains reports whether [off, off+n) of the user area lies inside one
// heap (DEVICE_SIDE or HOST_SIDE), not in the gap between them.
func (h *Heaps) Contains(off, n uintptr) bool {
	for _, t := range [...]int{heap.DeviceSide, heap.HostSide} {
		start, size, ok := h.regions.Of(t)
		if ok && off >= start && off-start < size && n <= size-(off-start) {
			return true
		}
	}
	return false
}

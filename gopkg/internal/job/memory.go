package job

import (
	"encoding/binary"
	"fmt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/native"
)

// minAlign is the smallest block alignment: a copy whose destination sits a
// few bytes off its source modulo 64 runs many times slower on these CPUs.
const minAlign = 64

// heapCall is one PE's side of a collective malloc or free. Every PE sends
// it whatever it was given, valid or not, so that a PE with a bad argument
// still meets the others: they all fail together instead of one PE skipping
// the exchange and pairing its next call with the others' current one.
type heapCall struct {
	kind  byte // 'm' malloc (device-side heap), 'h' malloc in the host-side heap, 'f' free
	size  int64
	align int64
	off   int64 // free: offset of the block
	bad   string
}

func (c heapCall) encode() []byte {
	b := make([]byte, 25, 25+len(c.bad))
	b[0] = c.kind
	binary.LittleEndian.PutUint64(b[1:], uint64(c.size))
	binary.LittleEndian.PutUint64(b[9:], uint64(c.align))
	binary.LittleEndian.PutUint64(b[17:], uint64(c.off))
	return append(b, c.bad...)
}

func decodeHeapCall(b []byte) (heapCall, bool) {
	if len(b) < 25 {
		return heapCall{}, false
	}
	return heapCall{kind: b[0], size: int64(binary.LittleEndian.Uint64(b[1:])),
		align: int64(binary.LittleEndian.Uint64(b[9:])), off: int64(binary.LittleEndian.Uint64(b[17:])),
		bad: string(b[25:])}, true
}

// agree exchanges this PE's heap call with every PE and fails on all of them
// when any PE's call is bad or differs from this one.
func (j *Job) agree(mine heapCall) error {
	all, err := j.sess.Allgather("heap", nil, mine.encode())
	if err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "heap agreement")
	}
	for pe, raw := range all {
		other, ok := decodeHeapCall(raw)
		switch {
		case !ok:
			return errcode.New(errcode.InnerError, "PE %d sent an unreadable heap request", pe)
		case other.bad != "":
			return errcode.New(errcode.InvalidParam, "PE %d: %s", pe, other.bad)
		case other.kind != mine.kind || other.size != mine.size || other.align != mine.align || other.off != mine.off:
			return errcode.New(errcode.InvalidParam, "PEs made different calls: PE %d asked for %s, PE %d for %s",
				j.opts.Rank, mine.describe(), pe, other.describe())
		}
	}
	return nil
}

func (c heapCall) describe() string {
	if c.kind == 'f' {
		return fmt.Sprintf("free of the block at offset %d", c.off)
	}
	heapName := "device-side"
	if c.kind == 'h' {
		heapName = "host-side"
	}
	return fmt.Sprintf("%d bytes aligned to %d in the %s heap", c.size, c.align, heapName)
}

// Malloc is the collective allocation behind shmem_malloc/calloc/align. Every
// PE passes the same size and alignment in the same order and gets the same
// offset. When any PE's arguments are bad, the PEs disagree or the heap is
// full, every PE gets 0 and the error says why. alignment 0 means the
// default; zero asks for the block to be cleared on every PE before any PE
// returns.
func (j *Job) Malloc(size, alignment int64, zero bool) (uintptr, error) {
	return j.MallocIn(heap.DeviceSide, size, alignment, zero)
}

// MallocIn is Malloc in the heap of memory type memType (heap.HostSide or
// heap.DeviceSide).
func (j *Job) MallocIn(memType int, size, alignment int64, zero bool) (uintptr, error) {
	call := heapCall{kind: 'm', size: size, align: max(alignment, minAlign)}
	regionOff, _, haveHeap := j.regions.Of(memType)
	if memType == heap.HostSide {
		call.kind = 'h'
	}
	switch {
	case memType != heap.HostSide && memType != heap.DeviceSide:
		call.bad = fmt.Sprintf("mem_type %d is neither HOST_SIDE (0) nor DEVICE_SIDE (1)", memType)
	case !haveHeap:
		call.bad = "there is no host-side heap (its size is 0: set SHMEM_HOST_MEM_SIZE before init)"
	case size < 0:
		call.bad = fmt.Sprintf("size %d is negative", size)
	case alignment < 0 || alignment&(alignment-1) != 0:
		call.bad = fmt.Sprintf("alignment %d is not a power of two", alignment)
	}
	if err := j.agree(call); err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, nil
	}
	j.allocMu.Lock()
	off, err := j.allocatorOf(memType).Alloc(uintptr(size), uintptr(call.align))
	j.allocMu.Unlock()
	if err != nil {
		return 0, err
	}
	off += regionOff
	if zero {
		clear(native.View(j.userBases[j.opts.Rank]+off, uintptr(size)))
		if err := j.BarrierAll(); err != nil {
			return 0, err
		}
	}
	return j.userBases[j.opts.Rank] + off, nil
}

// Free is the collective shmem_free; 0 frees nothing. A pointer that Malloc
// did not return, a double free, or PEs freeing different blocks raise an
// error on every PE and free nothing.
func (j *Job) Free(addr uintptr) error {
	call := heapCall{kind: 'f', off: -1}
	if addr != 0 {
		off, ok := j.localOffset(addr, 1)
		if _, isBlock := j.blockSize(off); !ok || !isBlock {
			call.bad = fmt.Sprintf("0x%x is not a block from shmem_malloc (never allocated, already freed, or inside a block)", addr)
		}
		call.off = int64(off)
	}
	if err := j.agree(call); err != nil {
		return err
	}
	if addr == 0 {
		return nil
	}
	j.allocMu.Lock()
	defer j.allocMu.Unlock()
	a, rel := j.allocatorAt(uintptr(call.off))
	return a.Free(rel)
}

// BlockSize is the size of the live block at addr, 0 when addr is no block.
func (j *Job) BlockSize(addr uintptr) uintptr {
	off, ok := j.localOffset(addr, 1)
	if !ok {
		return 0
	}
	n, _ := j.blockSize(off)
	return n
}

func (j *Job) blockSize(off uintptr) (uintptr, bool) {
	j.allocMu.Lock()
	defer j.allocMu.Unlock()
	a, rel := j.allocatorAt(off)
	return a.BlockSize(rel)
}

func (j *Job) allocatorOf(memType int) *heap.Allocator {
	if memType == heap.HostSide {
		return j.hostAlloc
	}
	return j.alloc
}

// allocatorAt returns the allocator of the heap holding user offset off and
// off relative to that heap.
func (j *Job) allocatorAt(off uintptr) (*heap.Allocator, uintptr) {
	if j.regions.TypeAt(off) == heap.HostSide {
		return j.hostAlloc, off - j.regions.HostOffset
	}
	return j.alloc, off
}

// HeapBase is the address of this PE's heap of memory type memType, 0 when
// there is no such heap.
func (j *Job) HeapBase(memType int) uintptr {
	off, _, ok := j.regions.Of(memType)
	if !ok {
		return 0
	}
	return j.userBases[j.opts.Rank] + off
}

// MemTypeOf is the memory type of the heap holding symmetric address addr,
// -1 when addr is not in this PE's heaps.
func (j *Job) MemTypeOf(addr uintptr) int {
	off, ok := j.localOffset(addr, 1)
	if !ok {
		return -1
	}
	return j.regions.TypeAt(off)
}

// localOffset turns an address in this PE's user heap into its offset, when
// [addr, addr+n) lies inside the heap.
func (j *Job) localOffset(addr, n uintptr) (uintptr, bool) {
	base := j.userBases[j.opts.Rank]
	if addr < base || !j.inHeap(addr-base, n) {
		return 0, false
	}
	return addr - base, true
}

// inHeap reports whether [off, off+n) of the user area lies inside one heap
// (DEVICE_SIDE or HOST_SIDE), not in the gap between them.
func (j *Job) inHeap(off, n uintptr) bool {
	for _, t := range [...]int{heap.DeviceSide, heap.HostSide} {
		start, size, ok := j.regions.Of(t)
		if ok && off >= start && off-start < size && n <= size-(off-start) {
			return true
		}
	}
	return false
}

// Ptr is shmem_ptr: where PE pe's copy of the symmetric address addr can be
// loaded and stored in this process, or 0. A PE known dead has no such
// address any more: its mapping is memory nobody uses (collectives then go
// through Get, which reports the death).
func (j *Job) Ptr(addr uintptr, pe int) uintptr {
	if pe < 0 || pe >= j.opts.Size || j.live.Dead(pe) {
		return 0
	}
	off, ok := j.localOffset(addr, 1)
	if !ok || j.userBases[pe] == 0 {
		return 0
	}
	return j.userBases[pe] + off
}

// SyncHandle is the address of this PE's sync area (get_ffts_config).
func (j *Job) SyncHandle() uintptr { return j.seg.Base }

// Mapped reports whether [addr, addr+n) lies inside one heap mapped here.
func (j *Job) Mapped(addr, n uintptr) bool {
	for _, base := range j.userBases {
		if base != 0 && addr >= base && j.inHeap(addr-base, n) {
			return true
		}
	}
	return false
}

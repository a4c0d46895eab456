package job

import (
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/teamsync"
)

// The collective allocator is package symalloc's; the job adds only what
// needs the mappings of the other PEs (Ptr, Mapped).

// Malloc is the collective allocation behind shmem_malloc/calloc/align in
// the DEVICE_SIDE heap (see symalloc.Heaps.Malloc).
func (j *Job) Malloc(size, alignment int64, zero bool) (uintptr, error) {
	return j.heaps.Malloc(heap.DeviceSide, size, alignment, zero)
}

// MallocIn is Malloc in the heap of memory type memType (heap.HostSide or
// heap.DeviceSide).
func (j *Job) MallocIn(memType int, size, alignment int64, zero bool) (uintptr, error) {
	return j.heaps.Malloc(memType, size, alignment, zero)
}

// Free is the collective shmem_free; 0 frees nothing.
func (j *Job) Free(addr uintptr) error { return j.heaps.Free(addr) }

// BlockSize is the size of the live block at addr, 0 when addr is no block.
func (j *Job) BlockSize(addr uintptr) uintptr { return j.heaps.BlockSize(addr) }

// HeapBase is the address of this PE's heap of memory type memType, 0 when
// there is no such heap.
func (j *Job) HeapBase(memType int) uintptr { return j.heaps.Base(memType) }

// MemTypeOf is the memory type of the heap holding symmetric address addr,
// -1 when addr is not in this PE's heaps.
func (j *Job) MemTypeOf(addr uintptr) int { return j.heaps.MemTypeOf(addr) }

// localOffset turns an address in this PE's user heap into its offset, when
// [addr, addr+n) lies inside the heap.
func (j *Job) localOffset(addr, n uintptr) (uintptr, bool) { return j.heaps.Offset(addr, n) }

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
		if base != 0 && addr >= base && j.heaps.Contains(addr-base, n) {
			return true
		}
	}
	return false
}

// wakeBlock is the address of PE pe's wake block as mapped here (0 when pe
// is not mapped).
func (j *Job) wakeBlock(pe int) uintptr { return teamsync.WakeBlock(j.syncBases[pe]) }

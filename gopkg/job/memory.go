package job

import (
	"encoding/binary"

	"github.com/pyshmem/shmem/gopkg/errcode"
	"github.com/pyshmem/shmem/native"
)

// minAlign is the smallest block alignment: a copy whose destination sits a
// few bytes off its source modulo 64 runs many times slower on these CPUs.
const minAlign = 64

// Malloc is the collective allocation behind shmem_malloc/calloc/align. Every
// PE passes the same size and alignment in the same order and gets the same
// offset. When the PEs disagree or the heap is full every PE gets 0 and the
// error says why; zero asks for the block to be cleared on every PE before
// any PE returns.
func (j *Job) Malloc(size, align uintptr, zero bool) (uintptr, error) {
	if size == 0 {
		return 0, nil
	}
	if align < minAlign {
		align = minAlign
	}
	var req [16]byte
	binary.LittleEndian.PutUint64(req[:8], uint64(size))
	binary.LittleEndian.PutUint64(req[8:], uint64(align))
	all, err := j.sess.Allgather("heap", nil, req[:])
	if err != nil {
		return 0, errcode.Wrap(errcode.BootstrapError, err, "malloc agreement")
	}
	for pe, r := range all {
		if string(r) != string(req[:]) {
			return 0, errcode.New(errcode.InvalidParam,
				"PEs asked for different allocations: PE %d size %d align %d, PE %d size %d align %d",
				j.opts.Rank, size, align, pe, binary.LittleEndian.Uint64(r[:8]), binary.LittleEndian.Uint64(r[8:]))
		}
	}
	j.allocMu.Lock()
	off, err := j.alloc.Alloc(size, align)
	j.allocMu.Unlock()
	if err != nil {
		return 0, err
	}
	if zero {
		clear(native.View(j.userBases[j.opts.Rank]+off, size))
		if err := j.BarrierAll(); err != nil {
			return 0, err
		}
	}
	return j.userBases[j.opts.Rank] + off, nil
}

// Free is the collective shmem_free. A pointer that Malloc did not return, a
// double free, or PEs freeing different blocks raise an error on every PE and
// free nothing.
func (j *Job) Free(addr uintptr) error {
	if addr == 0 {
		return nil
	}
	var req [8]byte
	binary.LittleEndian.PutUint64(req[:], uint64(addr-j.userBases[j.opts.Rank]))
	all, err := j.sess.Allgather("heap", nil, req[:])
	if err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "free agreement")
	}
	for pe, r := range all {
		if string(r) != string(req[:]) {
			return errcode.New(errcode.InvalidParam, "PEs freed different blocks (PE %d and PE %d disagree)", j.opts.Rank, pe)
		}
	}
	off, ok := j.localOffset(addr, 1)
	if !ok {
		return errcode.New(errcode.InvalidParam, "0x%x is not an address in the symmetric heap", addr)
	}
	j.allocMu.Lock()
	defer j.allocMu.Unlock()
	return j.alloc.Free(off)
}

// localOffset turns an address in this PE's user heap into its offset, when
// [addr, addr+n) lies inside the heap.
func (j *Job) localOffset(addr, n uintptr) (uintptr, bool) {
	base := j.userBases[j.opts.Rank]
	size := j.seg.UserSize()
	if addr < base || addr-base >= size || n > size-(addr-base) {
		return 0, false
	}
	return addr - base, true
}

// Ptr is shmem_ptr: where PE pe's copy of the symmetric address addr can be
// loaded and stored in this process, or 0.
func (j *Job) Ptr(addr uintptr, pe int) uintptr {
	if pe < 0 || pe >= j.opts.Size {
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
	size := j.seg.UserSize()
	for _, base := range j.userBases {
		if base != 0 && addr >= base && addr-base < size && n <= size-(addr-base) {
			return true
		}
	}
	return false
}

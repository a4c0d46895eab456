package heap

import (
	"os"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

const (
	// UserOffset is where the user heap starts in a segment.
	UserOffset = SyncAreaSize

	// UserAlign is the alignment of the user heap's address in every process
	// that maps a segment. Offsets aligned to anything up to it are therefore
	// aligned addresses on every PE; it is the largest alignment Alloc takes.
	UserAlign = 2 << 20

	// MinBlockAlign is the least alignment (and size granularity) of a block:
	// a copy whose destination sits 1-15 bytes off its source modulo 64 runs
	// several times slower on these CPUs.
	MinBlockAlign = 64
)

// pageSize is the granularity of segment sizes.
var pageSize = uintptr(os.Getpagesize())

// SegmentSize is the size of a segment whose user heap holds memSize bytes:
// the sync area plus memSize rounded up to the page size.
func SegmentSize(memSize uintptr) (uintptr, error) {
	if memSize == 0 {
		return 0, errcode.New(errcode.InvalidParam, "heap size 0")
	}
	user, ok := alignUp(memSize, pageSize)
	if !ok || user > maxSegmentSize-SyncAreaSize {
		return 0, errcode.New(errcode.InvalidParam, "heap size %d is too large", memSize)
	}
	return SyncAreaSize + user, nil
}

// maxSegmentSize keeps sizes within off_t, the type of a file size.
const maxSegmentSize = 1<<63 - 1

// alignUp rounds x up to a multiple of align (a power of two); ok is false on
// overflow.
func alignUp(x, align uintptr) (uintptr, bool) {
	y := (x + align - 1) &^ (align - 1)
	return y, y >= x
}

func isPowerOfTwo(x uintptr) bool { return x != 0 && x&(x-1) == 0 }

// Memory types: a segment's user area holds two symmetric heaps, Ascend's
// DEVICE_SIDE heap (the one every plain malloc uses) at offset 0 and its
// HOST_SIDE heap after it, starting at a UserAlign boundary past its end so
// that every alignment an allocator takes holds in both. Both are host memory here; they
// are separate heaps with allocators of their own, in one mapping.
const (
	HostSide   = 0
	DeviceSide = 1
)

// Regions is where the two heaps lie in the user area.
type Regions struct {
	DeviceSize uintptr // bytes of the device-side heap, at offset 0
	HostOffset uintptr // where the host-side heap starts
	HostSize   uintptr // its bytes; 0: there is none
}

// NewRegions lays out a device-side heap of deviceSize bytes and a host-side
// heap of hostSize bytes (0: none), each rounded up to the page size.
func NewRegions(deviceSize, hostSize uintptr) (Regions, error) {
	dev, ok := alignUp(deviceSize, pageSize)
	if !ok || deviceSize == 0 {
		return Regions{}, errcode.New(errcode.InvalidParam, "device-side heap size %d is not usable", deviceSize)
	}
	if hostSize == 0 {
		return Regions{DeviceSize: dev, HostOffset: dev}, nil
	}
	// At least one byte apart: the end of the device-side heap is no address
	// in either heap, so an overrun is an error rather than a write into the
	// other heap.
	off, ok1 := alignUp(dev+1, UserAlign)
	host, ok2 := alignUp(hostSize, pageSize)
	if !ok1 || !ok2 || off+host < off || off+host > maxSegmentSize-SyncAreaSize {
		return Regions{}, errcode.New(errcode.InvalidParam, "heap sizes %d + %d are too large", deviceSize, hostSize)
	}
	return Regions{DeviceSize: dev, HostOffset: off, HostSize: host}, nil
}

// Total is the size of the user area holding both heaps.
func (r Regions) Total() uintptr { return r.HostOffset + r.HostSize }

// Of returns the offset and size of the heap of memory type t; false for a
// type that is neither, or a host-side heap of size 0.
func (r Regions) Of(t int) (off, size uintptr, ok bool) {
	switch t {
	case DeviceSide:
		return 0, r.DeviceSize, true
	case HostSide:
		return r.HostOffset, r.HostSize, r.HostSize > 0
	}
	return 0, 0, false
}

// TypeAt is the memory type of the heap holding user-area offset off.
func (r Regions) TypeAt(off uintptr) int {
	if r.HostSize > 0 && off >= r.HostOffset {
		return HostSide
	}
	return DeviceSide
}

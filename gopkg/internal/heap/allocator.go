package heap

import (
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Allocator places blocks in a user heap of a fixed size, by offset. It is
// deterministic: the same sequence of calls gives the same offsets in every
// process, which is what makes the heap symmetric. First fit over a sorted
// free list; freed blocks merge with free neighbours. Safe for concurrent
// use, though collective callers serialise anyway.
type Allocator struct {
	mu     sync.Mutex
	size   uintptr
	free   freeList
	blocks map[uintptr]uintptr // offset -> bytes reserved
	inUse  uintptr
}

// NewAllocator manages a user heap of size bytes, all free.
func NewAllocator(size uintptr) *Allocator {
	a := &Allocator{size: size}
	a.resetLocked()
	return a
}

// Alloc reserves size bytes at an offset aligned to align (a power of two;
// 0 and anything below MinBlockAlign mean MinBlockAlign; at most UserAlign).
// The size is rounded up to a multiple of MinBlockAlign. Size 0 is an
// InvalidParam error (the API's malloc turns it into NULL); no room is
// MallocFailed.
func (a *Allocator) Alloc(size, align uintptr) (off uintptr, err error) {
	switch {
	case size == 0:
		return 0, errcode.New(errcode.InvalidParam, "alloc of 0 bytes")
	case align != 0 && !isPowerOfTwo(align):
		return 0, errcode.New(errcode.InvalidParam, "alloc alignment %d is not a power of two", align)
	case align > UserAlign:
		return 0, errcode.New(errcode.InvalidParam,
			"alloc alignment %d is larger than the heap's base alignment %d", align, UserAlign)
	}
	align = max(align, MinBlockAlign)

	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := alignUp(size, MinBlockAlign)
	if ok && n <= a.size {
		if off, ok := a.free.firstFit(n, align); ok {
			a.blocks[off] = n
			a.inUse += n
			return off, nil
		}
	}
	free, largest := a.free.total()
	return 0, errcode.New(errcode.MallocFailed,
		"no room for %d bytes aligned to %d: %d of %d bytes free, the largest free span %d",
		size, align, free, a.size, largest)
}

// Free gives back the block at off. An offset Alloc did not return, or one
// already freed, is an InvalidParam error and changes nothing.
func (a *Allocator) Free(off uintptr) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.blocks[off]
	if !ok {
		return a.badFreeLocked(off)
	}
	delete(a.blocks, off)
	a.inUse -= n
	a.free.insert(off, n)
	return nil
}

// badFreeLocked explains why off is not a block to free.
func (a *Allocator) badFreeLocked(off uintptr) error {
	if off >= a.size {
		return errcode.New(errcode.InvalidParam,
			"free of offset %#x: outside the heap of %d bytes", off, a.size)
	}
	if _, free := a.free.find(off); free {
		return errcode.New(errcode.InvalidParam,
			"free of offset %#x: not allocated (a double free, or never returned by malloc)", off)
	}
	for start, n := range a.blocks {
		if start < off && off < start+n {
			return errcode.New(errcode.InvalidParam,
				"free of offset %#x: inside the block at %#x, not its start", off, start)
		}
	}
	return errcode.New(errcode.InvalidParam, "free of offset %#x: not an allocated block", off)
}

// Reset frees every block at once (finalize).
func (a *Allocator) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resetLocked()
}

func (a *Allocator) resetLocked() {
	a.free = a.free[:0]
	if a.size > 0 {
		a.free = append(a.free, span{0, a.size})
	}
	a.blocks = make(map[uintptr]uintptr)
	a.inUse = 0
}

// Size is the size of the heap the allocator manages.
func (a *Allocator) Size() uintptr { return a.size }

// InUse is the number of bytes reserved by live blocks.
func (a *Allocator) InUse() uintptr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inUse
}

// BlockSize is the number of bytes reserved for the live block at off (its
// requested size rounded up to MinBlockAlign); false if no block starts there.
func (a *Allocator) BlockSize(off uintptr) (uintptr, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.blocks[off]
	return n, ok
}

// Contains reports whether [off, off+n) lies inside the user heap. off itself
// must be inside it, also for n == 0, so the end of the heap is not an address
// in it.
func (a *Allocator) Contains(off, n uintptr) bool {
	return off < a.size && n <= a.size-off
}

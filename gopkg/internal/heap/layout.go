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

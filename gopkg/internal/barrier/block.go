package barrier

import (
	"sync/atomic"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// BlockSize is the size of a barrier block; blocks must be BlockSize-aligned
// so that two blocks never share a cache line.
//
// Layout of a block:
//
//	offset 0, 8 bytes: state, a native-endian uint64
//	                     bits  0..31  arrivals in the current episode
//	                     bits 32..63  generation: episodes completed (wraps)
//	offset 8, 4 bytes: sleepers, a native-endian uint32: participants
//	                   asleep (or about to sleep) in the kernel
//	offset 12..63:     unused, zero
//
// Arrival, release and withdrawal are each one atomic operation on state,
// which is why both halves share a word. Sleepers futex-wait on the
// generation half (a 32-bit word at genOffset), the word the release
// changes, and count themselves in sleepers so that a release nobody sleeps
// through makes no system call.
const BlockSize = 64

const sleepersOffset = 8

const (
	arrivalOne    = uint64(1)
	generationOne = uint64(1) << 32
)

// genOffset is the byte offset of the generation half of state: 4 on
// little-endian machines, 0 on big-endian ones.
var genOffset = func() uintptr {
	probe := generationOne
	if *(*uint32)(unsafe.Pointer(&probe)) == 1 {
		return 0
	}
	return 4
}()

// The block is in a shared mapping outside the Go heap, so turning its
// address into pointers is safe for the garbage collector.

func statePtr(block uintptr) *uint64 { return *(**uint64)(unsafe.Pointer(&block)) }

func word32(addr uintptr) *uint32 { return *(**uint32)(unsafe.Pointer(&addr)) }

// generationWord is the generation half of state, the futex word.
func generationWord(block uintptr) *uint32 { return word32(block + genOffset) }

func sleepersWord(block uintptr) *uint32 { return word32(block + sleepersOffset) }

func split(state uint64) (arrivals, generation uint32) {
	return uint32(state), uint32(state >> 32)
}

func checkBlock(block uintptr) error {
	if block == 0 {
		return errcode.New(errcode.InvalidParam, "barrier block address is null")
	}
	if block%BlockSize != 0 {
		return errcode.New(errcode.InvalidParam, "barrier block %#x is not %d-byte aligned", block, BlockSize)
	}
	return nil
}

// Init zeroes the block at block. The root does it once, before any
// participant uses the block (the team's creation orders the two).
func Init(block uintptr) error {
	if err := checkBlock(block); err != nil {
		return err
	}
	for off := uintptr(0); off < BlockSize; off += 8 {
		atomic.StoreUint64(statePtr(block+off), 0)
	}
	return nil
}

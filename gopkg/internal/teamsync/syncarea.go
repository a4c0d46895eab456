package teamsync

import (
	"github.com/pyshmem/shmem/gopkg/internal/barrier"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
)

// The sync area at the start of every PE's segment holds the runtime's own
// shared words. Its layout, fixed here so that every PE finds the same word
// at the same offset in a peer's segment:
//
//	0      wake block of the signal package (sleeper count, generation)
//	4096   barrier blocks, one per slot, handed to the teams whose first
//	       member this PE is; each block counts its own sleepers (package
//	       barrier), so that a barrier's sleepers cost the writers to the
//	       segment's wake block nothing, nor its writers the barrier
const (
	WakeBlockOffset   = 0
	BarrierAreaOffset = 4096
)

// maxSlots is how many barrier blocks fit in the sync area (a variable so
// that a test can run out of them).
var maxSlots = int((heap.SyncAreaSize - BarrierAreaOffset) / barrier.BlockSize)

// WakeBlock is the address of the wake block in the sync area mapped at
// syncBase, 0 when the area is not mapped here (syncBase 0).
func WakeBlock(syncBase uintptr) uintptr {
	if syncBase == 0 {
		return 0
	}
	return syncBase + WakeBlockOffset
}

// barrierBlock is the address of barrier slot slot in the sync area mapped
// at syncBase.
func barrierBlock(syncBase uintptr, slot int) uintptr {
	return syncBase + BarrierAreaOffset + uintptr(slot)*barrier.BlockSize
}

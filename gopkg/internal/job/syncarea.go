package job

// The sync area at the start of every PE's segment holds the runtime's own
// shared words. Its layout, fixed here so that every PE finds the same word
// at the same offset in a peer's segment:
//
//	0      wake block of the signal package (sleeper count, generation)
//	4096   barrier blocks, one per slot, handed to the teams whose first
//	       member this PE is; each block holds, after the barrier's own
//	       state, the wake block its sleepers count themselves in
const (
	wakeBlockOffset   = 0
	barrierAreaOffset = 4096
	// barrierWakeOffset places a barrier's wake block inside its barrier
	// block (bytes 8..15 are unused by the barrier and zeroed with it). With
	// the segment's shared wake block instead, every atomic or signal on the
	// root PE's heap paid a futex wake while anyone slept in a barrier.
	barrierWakeOffset = 8
)

// wakeBlock is the address of PE pe's wake block as mapped here (0 when pe
// is not mapped).
func (j *Job) wakeBlock(pe int) uintptr {
	if j.syncBases[pe] == 0 {
		return 0
	}
	return j.syncBases[pe] + wakeBlockOffset
}

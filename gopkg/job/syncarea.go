package job

// The sync area at the start of every PE's segment holds the runtime's own
// shared words. Its layout, fixed here so that every PE finds the same word
// at the same offset in a peer's segment:
//
//	0      wake block of the signal package (sleeper count, generation)
//	4096   barrier blocks, one per team id (the block of team t is used in
//	       the segment of the team's first member)
const (
	wakeBlockOffset   = 0
	barrierAreaOffset = 4096
)

// wakeBlock is the address of PE pe's wake block as mapped here (0 when pe
// is not mapped).
func (j *Job) wakeBlock(pe int) uintptr {
	if j.syncBases[pe] == 0 {
		return 0
	}
	return j.syncBases[pe] + wakeBlockOffset
}

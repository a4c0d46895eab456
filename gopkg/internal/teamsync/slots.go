package teamsync

// slotAllocator hands out the barrier blocks of this PE's sync area to the
// teams it is the first member of. Freed slots go to the back of the queue,
// so a slot is reused as late as possible: a member that is slow to leave the
// last barrier of a destroyed team still finds the block as it left it.
type slotAllocator struct {
	free []int
}

func newSlotAllocator(n int) slotAllocator {
	s := slotAllocator{free: make([]int, 0, n)}
	for i := range n {
		s.free = append(s.free, i)
	}
	return s
}

func (s *slotAllocator) get() (int, bool) {
	if len(s.free) == 0 {
		return -1, false
	}
	slot := s.free[0]
	s.free = s.free[1:]
	return slot, true
}

// take removes a given slot (the world's) from the free queue.
func (s *slotAllocator) take(slot int) {
	for i, f := range s.free {
		if f == slot {
			s.free = append(s.free[:i], s.free[i+1:]...)
			return
		}
	}
}

func (s *slotAllocator) put(slot int) { s.free = append(s.free, slot) }

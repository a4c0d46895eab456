package heap

import (
	"errors"
	"sync"

	"github.com/pyshmem/shmem/native"
)

// retired holds the address ranges of segments closed by Retire: no longer
// the heap, still mapped (to private zero pages) until ReleaseRetired.
var retired struct {
	mu     sync.Mutex
	ranges [][2]uintptr
}

// Retire is Close for a segment whose addresses the user may still hold views
// of (NumPy arrays and memoryviews over the heap outlive shmem_finialize): the
// segment is released, but its address range stays mapped to private zero
// pages until ReleaseRetired, so such a view reads zeros instead of crashing
// the process. Idempotent, and a no-op after Close.
func (s *Segment) Retire() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.created {
		errs = append(errs, s.releaseLocked())
	}
	if err := native.RetireMapping(s.Base, s.Size); err != nil {
		// Unmapping is the safe fallback only in that nothing is left behind.
		errs = append(errs, fromNative(err), fromNative(native.DetachSegment(s.Base, s.Size)))
	} else {
		retired.mu.Lock()
		retired.ranges = append(retired.ranges, [2]uintptr{s.Base, s.Size})
		retired.mu.Unlock()
	}
	s.Base, s.Size = 0, 0
	return errors.Join(errs...)
}

// ReleaseRetired unmaps every range Retire kept. The caller knows that no view
// of them is left (the facade counts its views).
func ReleaseRetired() error {
	retired.mu.Lock()
	ranges := retired.ranges
	retired.ranges = nil
	retired.mu.Unlock()
	var errs []error
	for _, r := range ranges {
		errs = append(errs, fromNative(native.ReleaseMapping(r[0], r[1])))
	}
	return errors.Join(errs...)
}

// RetiredRanges is the number of ranges Retire keeps mapped now.
func RetiredRanges() int {
	retired.mu.Lock()
	defer retired.mu.Unlock()
	return len(retired.ranges)
}

package liveness

import (
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Set holds one flag per PE of a job. The zero PE count and a nil *Set both
// mean "nobody is known dead", so engines built without one (their own tests)
// behave as before. Safe for concurrent use.
type Set struct {
	dead  []atomic.Bool
	errs  []error      // errs[pe]: the error every call to a dead pe returns
	first atomic.Int64 // the first PE marked dead, -1 while none is
	gates gates        // see gates.go
}

// New returns a Set for a job of n PEs, all alive.
func New(n int) *Set {
	s := &Set{dead: make([]atomic.Bool, n), errs: make([]error, n), gates: newGates(n)}
	s.first.Store(-1)
	for pe := range s.errs {
		// Built up front: a dead PE is hit in a loop by code that retries,
		// and reporting it should not allocate either.
		s.errs[pe] = errcode.New(errcode.BootstrapError, "PE %d of the job died: its memory is no longer used", pe)
	}
	return s
}

// MarkDead records that pe died; it reports whether this call was the first
// to say so. Out-of-range PEs are ignored.
func (s *Set) MarkDead(pe int) bool {
	if s == nil || uint(pe) >= uint(len(s.dead)) {
		return false
	}
	if pe < len(s.gates.words) {
		// Shut first: the facade's own copies stop before anyone is told.
		s.gates.words[pe].Store(0)
	}
	if !s.dead[pe].CompareAndSwap(false, true) {
		return false
	}
	s.first.CompareAndSwap(-1, int64(pe))
	return true
}

// First is the first PE marked dead, or -1 while every PE is alive: waits
// that no call to a PE can see fail (a signal nobody will send) poll it.
func (s *Set) First() int {
	if s == nil {
		return -1
	}
	return int(s.first.Load())
}

// Dead reports whether pe is known dead: one atomic load.
func (s *Set) Dead(pe int) bool {
	return s != nil && uint(pe) < uint(len(s.dead)) && s.dead[pe].Load()
}

// Check is nil while pe is alive (or unknown to the set) and the error that
// names it once it is dead.
func (s *Set) Check(pe int) error {
	if s.Dead(pe) {
		return s.errs[pe]
	}
	return nil
}

package p2p

import (
	"math"
	"time"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// Operations. The Test ones answer at once; the Wait ones block until their
// answer says the condition holds.
const (
	Test          = iota // 1 if the variable satisfies the comparison, else 0
	TestAll              // 1 if every variable of the set does (or the set is empty), else 0
	TestAny              // the index of one that does, else None
	TestSome             // how many do; their indices go to Indices
	WaitUntil            // until the variable does
	WaitUntilAll         // until every variable of the set does
	WaitUntilAny         // until one does: its index (None at once for an empty set)
	WaitUntilSome        // until at least one does: how many (0 at once for an empty set)
	ops
)

// None is the "no index" answer of the Any operations (SIZE_MAX in C).
const None = math.MaxUint64

// Request is one call of the family. Addresses are this process's: Ivars
// points at N variables of Kind in this PE's heap (the caller checked the
// range); Status, when not nil, holds one entry per variable, nonzero
// leaving the variable out; Values, when not 0, is the address of N
// comparison values of Kind (the vector forms), else Value/FValue is the one
// value (FValue for Float32). Indices is where TestSome and WaitUntilSome
// write the satisfying indices (uint64 each, at least N of them).
type Request struct {
	Op, Kind, Cmp int
	Ivars         uintptr
	N             int
	Status        []int32
	Value         int64
	FValue        float64
	Values        uintptr
	Indices       uintptr
}

// Check validates what the request itself says (not its memory).
func (r *Request) Check() error {
	if r.Op < 0 || r.Op >= ops {
		return errcode.New(errcode.InvalidParam, "unknown point-to-point operation %d", r.Op)
	}
	size := Size(r.Kind)
	if size == 0 {
		return errcode.New(errcode.InvalidParam, "unknown variable type %d", r.Kind)
	}
	if err := signal.CheckCmp(r.Cmp); err != nil {
		return err
	}
	if r.N < 0 {
		return errcode.New(errcode.InvalidParam, "nelems %d is negative", r.N)
	}
	if r.Ivars%size != 0 {
		return errcode.New(errcode.InvalidParam, "ivars 0x%x is not %d-byte aligned", r.Ivars, size)
	}
	if r.Status != nil && len(r.Status) != r.N {
		return errcode.New(errcode.InvalidParam, "status has %d entries for %d variables", len(r.Status), r.N)
	}
	if (r.Op == TestSome || r.Op == WaitUntilSome) && r.N > 0 && r.Indices == 0 {
		return errcode.New(errcode.InvalidParam, "indices is null")
	}
	return nil
}

// Run performs r. waiters is the wake block of the segment holding the
// variables; timeout (0: none) and mark bound a wait as in signal.Wait. The
// answer is the operation's result (None for "no index"); the caller checked
// r and made sure every address in it can be read (and Indices written).
func Run(r *Request, waiters uintptr, timeout time.Duration, mark *interrupt.Mark) (uint64, error) {
	switch r.Kind {
	case Int8:
		return run[int8](r, waiters, timeout, mark)
	case Int16:
		return run[int16](r, waiters, timeout, mark)
	case Int32:
		return run[int32](r, waiters, timeout, mark)
	case Int64:
		return run[int64](r, waiters, timeout, mark)
	case Uint8:
		return run[uint8](r, waiters, timeout, mark)
	case Uint16:
		return run[uint16](r, waiters, timeout, mark)
	case Uint32:
		return run[uint32](r, waiters, timeout, mark)
	case Uint64:
		return run[uint64](r, waiters, timeout, mark)
	case Float32:
		return run[float32](r, waiters, timeout, mark)
	}
	return 0, errcode.New(errcode.InvalidParam, "unknown variable type %d", r.Kind)
}

// set is the variables of one request, typed.
type set[T elem] struct {
	r      *Request
	size   uintptr
	value  T
	values []T // nil unless the vector form
}

func (s *set[T]) included(i int) bool { return s.r.Status == nil || s.r.Status[i] == 0 }

func (s *set[T]) satisfied(i int) bool {
	target := s.value
	if s.values != nil {
		target = s.values[i]
	}
	return signal.Holds(s.r.Cmp, load[T](s.r.Ivars+uintptr(i)*s.size), target)
}

// all, any and some evaluate the set once; done says whether a wait for
// them is over.
func (s *set[T]) all() (uint64, bool) {
	for i := 0; i < s.r.N; i++ {
		if s.included(i) && !s.satisfied(i) {
			return 0, false
		}
	}
	return 1, true
}

func (s *set[T]) any() (uint64, bool) {
	empty := true
	for i := 0; i < s.r.N; i++ {
		if s.included(i) {
			empty = false
			if s.satisfied(i) {
				return uint64(i), true
			}
		}
	}
	return None, empty
}

func (s *set[T]) some() (uint64, bool) {
	empty, count := true, uintptr(0)
	for i := 0; i < s.r.N; i++ {
		if s.included(i) {
			empty = false
			if s.satisfied(i) {
				*at[uint64](s.r.Indices + count*8) = uint64(i)
				count++
			}
		}
	}
	return uint64(count), count > 0 || empty
}

func run[T elem](r *Request, waiters uintptr, timeout time.Duration, mark *interrupt.Mark) (uint64, error) {
	var zero T
	s := set[T]{r: r, size: unsafe.Sizeof(zero), value: convert[T](r.Value, r.FValue)}
	if r.Values != 0 {
		// Read once: the comparison values are the caller's, not shared.
		s.values = make([]T, r.N)
		for i := range s.values {
			s.values[i] = plain[T](r.Values + uintptr(i)*s.size)
		}
	}
	res, done := s.eval()
	if r.Op < WaitUntil || done {
		return res, nil
	}
	// Only a wait that has to block builds the closure (and so puts the
	// set on the heap): a satisfied one allocates nothing here.
	blocked := s
	err := signal.Wait(waiters, func() bool { res, done = blocked.eval(); return done }, timeout, mark)
	return res, err
}

// eval evaluates the set once as the operation asks.
func (s *set[T]) eval() (uint64, bool) {
	switch s.r.Op {
	case Test, WaitUntil, TestAll, WaitUntilAll:
		return s.all()
	case TestAny, WaitUntilAny:
		return s.any()
	}
	return s.some()
}

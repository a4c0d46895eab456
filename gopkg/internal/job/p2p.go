package job

import (
	"math"
	"runtime/debug"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/p2p"
)

// P2PCall is one call of the point-to-point synchronisation family as the
// API hands it over: addresses of this process, operand as the facade
// encodes it (see p2p.Request). Status and ResOut are 0 when absent.
type P2PCall struct {
	Op, Kind, Cmp int
	Ivars         uintptr
	N             int64
	Indices       uintptr
	Status        uintptr
	Value         int64
	FValue        float64
	Values        uintptr
	ResOut        uintptr
}

// P2P runs a test or wait on variables of this PE's heap and returns its
// answer (p2p.None for "no index"), also written to ResOut when given: a C
// int for Test and TestAll, a size_t otherwise, as Ascend's binding writes
// it. A wait sleeps until a store satisfies it, gives up with BootstrapError
// when a PE of the job dies (the awaited store may never come), and ends
// with an Interrupted error on Ctrl-C.
func (j *Job) P2P(c P2PCall) (res uint64, err error) {
	r := p2p.Request{Op: c.Op, Kind: c.Kind, Cmp: c.Cmp, Ivars: c.Ivars, Value: c.Value, FValue: c.FValue,
		Values: c.Values, Indices: c.Indices}
	if c.Op == p2p.Test || c.Op == p2p.WaitUntil {
		c.N = 1
	}
	size := p2p.Size(c.Kind)
	if size == 0 {
		return 0, errcode.New(errcode.InvalidParam, "unknown variable type %d", c.Kind)
	}
	if c.N < 0 || uint64(c.N) > uint64(j.seg.UserSize()/size) {
		return 0, errcode.New(errcode.InvalidParam, "nelems %d does not fit the symmetric heap", c.N)
	}
	r.N = int(c.N)
	if err := checkOperand(c.Kind, c.Value, c.FValue); err != nil {
		return 0, err
	}
	if r.N > 0 {
		if _, err := j.symOffset(c.Ivars, uintptr(r.N)*size, "ivars"); err != nil {
			return 0, err
		}
	}
	// status, cmp_values, indices and res_out are the caller's memory at
	// addresses the caller chose: a bad one must be an error, not a crash.
	// The first pages are refused outright (a fault there is a nil
	// dereference, which the runtime does not turn into a recoverable panic
	// in every context); elsewhere a fault becomes an error below.
	for _, a := range [...]struct {
		addr uintptr
		what string
	}{{c.Status, "status"}, {c.Values, "cmp_values"}, {c.Indices, "indices"}, {c.ResOut, "res_out"}} {
		if a.addr != 0 && a.addr < minUserAddress {
			return 0, errcode.New(errcode.InvalidParam, "%s address 0x%x is not accessible memory", a.what, a.addr)
		}
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if f := recover(); f != nil {
			fault, ok := f.(interface{ Addr() uintptr })
			if !ok {
				panic(f)
			}
			err = errcode.New(errcode.InvalidParam, "status, cmp_values, indices or res_out: address 0x%x is not accessible", fault.Addr())
		}
	}()
	if c.Status != 0 {
		r.Status = make([]int32, r.N)
		for i := range r.Status {
			r.Status[i] = *at[int32](c.Status + uintptr(i)*4)
		}
	}
	if err := r.Check(); err != nil {
		return 0, err
	}
	if res, err = j.runP2P(&r); err != nil {
		return res, err
	}
	if c.ResOut != 0 {
		if c.Op == p2p.Test || c.Op == p2p.TestAll {
			*at[int32](c.ResOut) = int32(res)
		} else {
			*at[uint64](c.ResOut) = res
		}
	}
	return res, nil
}

func (j *Job) runP2P(r *p2p.Request) (uint64, error) {
	waiters := j.reach.Wake(j.opts.Rank)
	var mark interrupt.Mark
	for {
		res, err := p2p.Run(r, waiters, lostCheckInterval, &mark)
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return res, err
		}
		if lost := j.reach.Lost(); lost >= 0 {
			return res, errcode.New(errcode.BootstrapError, "wait: PE %d of the job died", lost)
		}
	}
}

// checkOperand refuses a comparison value that the variable's type cannot
// hold (it would compare as another number).
func checkOperand(kind int, v int64, f float64) error {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch kind {
	case p2p.Int8:
		lo, hi = math.MinInt8, math.MaxInt8
	case p2p.Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case p2p.Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	case p2p.Uint8:
		lo, hi = 0, math.MaxUint8
	case p2p.Uint16:
		lo, hi = 0, math.MaxUint16
	case p2p.Uint32:
		lo, hi = 0, math.MaxUint32
	case p2p.Float32:
		if !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
			return errcode.New(errcode.InvalidValue, "cmp_value %g does not fit a float", f)
		}
		return nil
	}
	if v < lo || v > hi {
		return errcode.New(errcode.InvalidValue, "cmp_value %d does not fit the variable's type", v)
	}
	return nil
}

// at reinterprets an address of the caller's memory as a pointer.
func at[T any](addr uintptr) *T { return *(**T)(unsafe.Pointer(&addr)) }

// minUserAddress is the lowest address taken for the caller's memory; below
// it lie the never-mapped first pages (vm.mmap_min_addr is 64 KiB at most).
const minUserAddress = 1 << 16

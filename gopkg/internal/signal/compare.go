package signal

import (
	"cmp"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// CheckCmp refuses a comparison code that is not one of CmpEQ..CmpLE.
func CheckCmp(c int) error {
	if c < CmpEQ || c > CmpLE {
		return errcode.New(errcode.InvalidParam, "unknown comparison %d (want %d..%d)", c, CmpEQ, CmpLE)
	}
	return nil
}

// predicate turns a comparison code and its operand into the condition a
// waiter waits for: "observed <c> target".
func predicate[T int32 | int64](c int, target T) (func(T) bool, error) {
	if err := CheckCmp(c); err != nil {
		return nil, err
	}
	return func(v T) bool { return Holds(c, v, target) }, nil
}

// Holds is "v <c> target" without building a closure (a satisfied wait
// allocates nothing), for the signal words and the point-to-point variables
// of every width alike; c must be valid (CheckCmp).
func Holds[T cmp.Ordered](c int, v, target T) bool {
	switch c {
	case CmpEQ:
		return v == target
	case CmpNE:
		return v != target
	case CmpGT:
		return v > target
	case CmpGE:
		return v >= target
	case CmpLT:
		return v < target
	}
	return v <= target
}

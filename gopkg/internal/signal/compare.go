package signal

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// predicate turns a comparison code and its operand into the condition a
// waiter waits for: "observed <cmp> target".
func predicate[T int32 | int64](cmp int, target T) (func(T) bool, error) {
	switch cmp {
	case CmpEQ:
		return func(v T) bool { return v == target }, nil
	case CmpNE:
		return func(v T) bool { return v != target }, nil
	case CmpGT:
		return func(v T) bool { return v > target }, nil
	case CmpGE:
		return func(v T) bool { return v >= target }, nil
	case CmpLT:
		return func(v T) bool { return v < target }, nil
	case CmpLE:
		return func(v T) bool { return v <= target }, nil
	}
	return nil, errcode.New(errcode.InvalidParam, "unknown comparison %d (want %d..%d)", cmp, CmpEQ, CmpLE)
}

// holds is "v <cmp> target" without building a closure, for the first look
// of a wait (a satisfied wait allocates nothing); cmp must be valid.
func holds[T int32 | int64](cmp int, v, target T) bool {
	switch cmp {
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

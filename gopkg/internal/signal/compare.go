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

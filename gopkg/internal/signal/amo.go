package signal

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// Atomic operations of Apply32 and Apply64, the codes the API and the network
// protocol carry. Increments are adds of 1.
const (
	AmoFetch       = 0 // returns the word
	AmoSet         = 1 // stores the operand
	AmoSwap        = 2 // stores the operand, returns the previous value
	AmoCompareSwap = 3 // stores the operand if the word equals cond, returns the previous value
	AmoFetchAdd    = 4 // adds the operand, returns the previous value
	AmoAdd         = 5 // adds the operand
)

// ValidAmo reports whether op is one of the Amo* operations.
func ValidAmo(op int) bool { return op >= AmoFetch && op <= AmoAdd }

// Apply32 applies atomic operation op to the 32-bit word at addr and returns
// the word's previous value (for AmoFetch, its value). Writes wake the word's
// sleepers through the wake block waiters.
func Apply32(op int, addr, waiters uintptr, v, cond int32) (int32, error) {
	switch op {
	case AmoFetch:
		if err := CheckAligned32(addr); err != nil {
			return 0, err
		}
		return Fetch32(addr), nil
	case AmoSet:
		return 0, Set32(addr, waiters, v)
	case AmoSwap:
		return Swap32(addr, waiters, v)
	case AmoCompareSwap:
		return CompareSwap32(addr, waiters, cond, v)
	case AmoFetchAdd:
		return FetchAdd32(addr, waiters, v)
	case AmoAdd:
		return 0, Add32(addr, waiters, v)
	}
	return 0, errUnknownAmo(op)
}

// Apply64 is Apply32 for a 64-bit word.
func Apply64(op int, addr, waiters uintptr, v, cond int64) (int64, error) {
	switch op {
	case AmoFetch:
		if err := CheckAligned64(addr); err != nil {
			return 0, err
		}
		return Fetch64(addr), nil
	case AmoSet:
		return 0, Set64(addr, waiters, v)
	case AmoSwap:
		return Swap64(addr, waiters, v)
	case AmoCompareSwap:
		return CompareSwap64(addr, waiters, cond, v)
	case AmoFetchAdd:
		return FetchAdd64(addr, waiters, v)
	case AmoAdd:
		return 0, Add64(addr, waiters, v)
	}
	return 0, errUnknownAmo(op)
}

func errUnknownAmo(op int) error {
	return errcode.New(errcode.InvalidParam, "unknown atomic operation %d", op)
}

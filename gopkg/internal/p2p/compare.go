package p2p

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// Comparison codes (SHMEM_CMP_EQ..SHMEM_CMP_LE, the same as package signal's).
const (
	CmpEQ = 0
	CmpNE = 1
	CmpGT = 2
	CmpGE = 3
	CmpLT = 4
	CmpLE = 5
)

// holds reports "v <cmp> target". cmp is checked by the caller.
func holds[T elem](cmp int, v, target T) bool {
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
	default:
		return v <= target
	}
}

func checkCmp(cmp int) error {
	if cmp < CmpEQ || cmp > CmpLE {
		return errcode.New(errcode.InvalidParam, "unknown comparison %d (want %d..%d)", cmp, CmpEQ, CmpLE)
	}
	return nil
}
